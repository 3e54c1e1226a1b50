package natsclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/events/schematest"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// Register stores a registration once (a quick repeat is a duplicate), refuses an invalid
// one before publishing, and says clearly when no worker has created the streams.
func TestRegister(t *testing.T) {
	ctx := context.Background()
	js, s := serve(t)
	r := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-register1", Metadata: []byte(`{"a":1}`)}
	if _, err := natsclient.Register(ctx, js, s, r); !errors.Is(err, natsclient.ErrNoWorkers) {
		t.Fatalf("without streams: %v, want ErrNoWorkers", err)
	}
	a, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := natsclient.Register(ctx, js, s, r)
	if err != nil || first.Duplicate {
		t.Fatalf("Register = %+v, %v", first, err)
	}
	again, err := natsclient.Register(ctx, js, s, r)
	if err != nil || !again.Duplicate || again.Sequence != first.Sequence {
		t.Errorf("second Register = %+v, %v; want a duplicate of %d", again, err, first.Sequence)
	}
	if _, err := natsclient.Register(ctx, js, s, events.Registration{RegionID: "cn-hangzhou", TaskID: "not a task"}); !errors.Is(err, events.ErrInvalidRegistration) {
		t.Errorf("invalid registration: %v, want ErrInvalidRegistration", err)
	}
	msg, err := a.Registrations.GetMsg(ctx, first.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	got, err := events.ParseRegistration(msg.Data)
	if err != nil || got.Key() != r.Key() || string(got.Metadata) != `{"a":1}` {
		t.Errorf("stored %+v, %v", got, err)
	}
	if err := newSchemas(t).Registration(msg.Data); err != nil {
		t.Errorf("stored registration %s does not match its schema: %v", msg.Data, err)
	}
}

// An event larger than the server's payload limit is trimmed, says so,
// and is stored, instead of failing until the task times out.
func TestOversizedEventIsTrimmed(t *testing.T) {
	ctx := context.Background()
	js, s := serveWith(t, natsjs.ServerConfig{MaxPayload: 16 << 10})
	if _, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{}); err != nil {
		t.Fatal(err)
	}
	var items []events.RelatedItem
	for i := range 200 {
		items = append(items, events.RelatedItem{Name: "OSSObject", Value: fmt.Sprintf("%0100d.raw", i)})
	}
	n := poller.Notice{Kind: events.KindFinished, Ordinal: 1, Task: poller.Task{TaskID: "t-big", RegionID: "cn-hangzhou",
		Action: "ExportImage", Status: poller.StatusFinished, Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: items}}}}
	pub := natsjs.NewPublisher(js, s)
	pos, err := pub.Publish(ctx, n, 0)
	if err != nil {
		t.Fatalf("publish of a %d-byte event: %v", len(items)*110, err)
	}
	stream, _ := js.Stream(ctx, s.StreamName(events.EventsRole))
	msg, err := stream.GetMsg(ctx, pos)
	if err != nil {
		t.Fatal(err)
	}
	var ev events.Event
	if err := json.Unmarshal(msg.Data, &ev); err != nil {
		t.Fatal(err)
	}
	if err := newSchemas(t).Event(msg.Data); err != nil {
		t.Errorf("the trimmed event does not match its schema: %v", err)
	}
	// 200 object names alone are over the limit: the related items go, then the operations,
	// and oss_objects keeps its first 16.
	if !ev.Data.Truncated || len(msg.Data) > 16<<10 || len(ev.Data.OSSObjects) != 16 || ev.Data.OSSObjects[0] != items[0].Value {
		t.Errorf("stored %d bytes, truncated %v, %d objects", len(msg.Data), ev.Data.Truncated, len(ev.Data.OSSObjects))
	}
}

func newSchemas(t *testing.T) *schematest.Validator {
	t.Helper()
	v, err := schematest.New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
