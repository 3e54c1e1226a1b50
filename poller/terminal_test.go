package poller_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// A task whose terminal event is stored is never polled or announced again, whichever path
// got it there, even when recording that fact fails and is retried past the duplicate window
// (the journal's id de-duplication off). Before the fix, the retry found the outbox empty,
// polled ECS, announced the terminal status again and published it after the first terminal
// event: the fence passed, since the state's last event was the terminal one.

// terminalRecordStore fails the writes that record a terminal task with nothing left to
// publish, fails times in all; lose makes those writes happen with their answers lost.
type terminalRecordStore struct {
	poller.StateStore
	fails atomic.Int64
	lose  bool
}

func (s *terminalRecordStore) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	if st.Terminal && st.Outbox == nil && s.fails.Add(-1) >= 0 {
		if s.lose {
			if _, err := s.StateStore.Update(ctx, key, st, rev); err != nil {
				return 0, err
			}
		}
		return 0, errors.New("state bucket: timeout")
	}
	return s.StateStore.Update(ctx, key, st, rev)
}

func TestTerminalRecordFailureEndsOnce(t *testing.T) {
	for _, lose := range []bool{false, true} {
		name := "write refused"
		if lose {
			name = "answer lost"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.journal.SetDedup(false)
				r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 2, finished(), 1)...)
				st := &terminalRecordStore{lose: lose}
				st.fails.Store(3)
				r.wrapStore = func(s poller.StateStore) poller.StateStore { st.StateStore = s; return st }
				a := r.start(rigConfig())
				d := a.register("t-1")
				settle(time.Minute)
				r.checkConsistent("t-1")
				if st.fails.Load() >= 0 {
					t.Fatalf("the terminal record was written %d times fewer than the test fails it", st.fails.Load()+1)
				}
				if r.q.Pending(d.ID()) {
					t.Error("the registration was never acked")
				}
				if n := a.w.Tracked(); n != 0 {
					t.Errorf("still tracking %d tasks", n)
				}
				got, _, err := r.store.Get(context.Background(), d.Registration().Key())
				if err != nil || !got.Terminal || got.Outbox != nil {
					t.Errorf("stored state = %+v, %v; want terminal with nothing left to publish", got, err)
				}
			})
		})
	}
}

// A successor that finds the terminal event already stored (its predecessor died after
// publishing it) adopts it; when recording that fails, it neither polls nor announces again.
func TestAdoptedTerminalRecordFailureEndsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "50%"), 2, finished(), 1)...)
		a := r.start(rigConfig())
		r.journal.OnStore(func(n poller.Notice) {
			if n.Kind.Terminal() {
				a.setCut(true) // dies right after the stream stored the event
			}
		})
		d := a.register("t-1")
		settle(5 * time.Second)
		a.kill()
		r.journal.OnStore(nil)
		if r.terminals("t-1") != 1 {
			t.Fatalf("setup: %v", r.history("t-1"))
		}
		r.journal.SetDedup(false)
		calls := len(r.api.callTimes("t-1"))
		st := &terminalRecordStore{}
		st.fails.Store(3)
		r.wrapStore = func(s poller.StateStore) poller.StateStore { st.StateStore = s; return st }
		b := r.start(rigConfig())
		b.redeliver(d)
		settle(time.Minute)
		r.checkConsistent("t-1")
		if got := len(r.api.callTimes("t-1")) - calls; got != 0 {
			t.Errorf("the successor asked ECS %d times about a task whose terminal event is stored", got)
		}
		if r.q.Pending(d.ID()) {
			t.Error("the registration was never acked")
		}
	})
}

// A task that fails without ECS saying so (not found past the grace) and whose record of it
// fails ends once too.
func TestFailedRecordFailureEndsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := newRig(t)
		r.journal.SetDedup(false)
		r.api.script("t-1", answers(task(poller.StatusProcessing, "10%"), 1, &poller.APIError{Code: "InvalidTaskId.NotFound", StatusCode: 400}, 1)...)
		st := &terminalRecordStore{}
		st.fails.Store(3)
		r.wrapStore = func(s poller.StateStore) poller.StateStore { st.StateStore = s; return st }
		a := r.start(rigConfig())
		d := a.register("t-1")
		settle(time.Minute)
		r.checkConsistent("t-1")
		if r.q.Pending(d.ID()) {
			t.Error("the registration was never acked")
		}
	})
}
