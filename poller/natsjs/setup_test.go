package natsjs_test

import (
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"testing"
	"time"
)

// Case 6 of the exactly-once issue: a worker started with smaller settings neither purges
// the state of others' tasks nor shortens their ack wait or the events' memory; a worker with
// larger ones raises them.
func TestSetupNeverLowersSharedSettings(t *testing.T) {
	js, s := serve(t)
	ctx := context.Background()
	big := natsjs.SetupConfig{AckWait: 30 * time.Second, StateTTL: 8 * 24 * time.Hour, EventsMaxAge: 7 * 24 * time.Hour, DedupWindow: 10 * time.Minute, MaxAckPending: 1000}
	a, err := natsjs.Setup(ctx, js, s, big)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Kept) != 0 || a.AckWait != big.AckWait {
		t.Fatalf("first setup kept %v, ack wait %s", a.Kept, a.AckWait)
	}
	if _, err := a.State.Put(ctx, "cn-hangzhou.t-1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}

	small := natsjs.SetupConfig{AckWait: 2 * time.Second, StateTTL: time.Second, EventsMaxAge: time.Minute, DedupWindow: time.Second, MaxAckPending: 10}
	b, err := natsjs.Setup(ctx, js, s, small)
	if err != nil {
		t.Fatal(err)
	}
	if b.AckWait != big.AckWait {
		t.Errorf("ack wait in force = %s, want the larger %s", b.AckWait, big.AckWait)
	}
	if got := b.Consumer.CachedInfo().Config; got.AckWait != big.AckWait || got.MaxAckPending != big.MaxAckPending {
		t.Errorf("consumer ack wait %s, max ack pending %d: lowered", got.AckWait, got.MaxAckPending)
	}
	if got := b.Events.CachedInfo().Config; got.MaxAge != big.EventsMaxAge || got.Duplicates != big.DedupWindow {
		t.Errorf("events max age %s, duplicates %s: lowered", got.MaxAge, got.Duplicates)
	}
	st, err := b.State.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != big.StateTTL {
		t.Errorf("state TTL %s: lowered", st.TTL())
	}
	if b.LeaseTTL != big.AckWait {
		t.Errorf("lease TTL in force = %s, want the larger %s", b.LeaseTTL, big.AckWait)
	}
	if len(b.Kept) != 6 {
		t.Errorf("kept %d settings, want 6 (ack wait, max ack pending, max age, duplicates, state and lease TTLs; the tasks bucket has none): %v", len(b.Kept), b.Kept)
	}
	time.Sleep(1500 * time.Millisecond) // longer than the small TTL: the entry must still be there
	if _, err := b.State.Get(ctx, "cn-hangzhou.t-1"); err != nil {
		t.Errorf("state purged by a worker with a smaller TTL: %v", err)
	}

	larger := big
	larger.AckWait, larger.StateTTL = time.Minute, 9*24*time.Hour
	c, err := natsjs.Setup(ctx, js, s, larger)
	if err != nil {
		t.Fatal(err)
	}
	if c.AckWait != time.Minute || c.LeaseTTL != time.Minute {
		t.Errorf("ack wait and lease TTL not raised: %s, %s", c.AckWait, c.LeaseTTL)
	}
	if st, _ := c.State.Status(ctx); st.TTL() != larger.StateTTL {
		t.Errorf("state TTL not raised: %s", st.TTL())
	}
}

// A task's record in the tasks bucket is the only copy of its registration: it must not
// expire while the task is tracked (or waits for a worker), however long that is. Setup gives
// the bucket no TTL, and lifts the TTL of a bucket an earlier version made.
func TestTaskRecordsNeverExpire(t *testing.T) {
	js, s := serve(t)
	ctx := context.Background()
	old, err := js.CreateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: s.StreamName(events.TasksRole), History: 1, TTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Put(ctx, "000.cn-hangzhou.t-1", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	a, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{StateTTL: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	st, err := a.Tasks.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.TTL() != 0 {
		t.Fatalf("tasks bucket TTL %s, want none", st.TTL())
	}
	time.Sleep(1500 * time.Millisecond) // longer than the TTLs asked for: the record must still be there
	if _, err := a.Tasks.Get(ctx, "000.cn-hangzhou.t-1"); err != nil {
		t.Errorf("a task's record expired: %v", err)
	}
	// The bucket an earlier version made lets a settled task's marker expire (Lease.Done).
	if err := a.Tasks.Purge(ctx, "000.cn-hangzhou.t-1", jetstream.PurgeTTL(time.Second)); err != nil {
		t.Errorf("a marker that expires is refused: %v", err)
	}
}
