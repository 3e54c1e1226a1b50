package natsjs_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// Register stores a registration once (a quick repeat is a duplicate), refuses an invalid
// one before publishing, and says clearly when no worker has created the streams.
func TestRegister(t *testing.T) {
	ctx := context.Background()
	js, s := serve(t)
	r := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-register1", Metadata: []byte(`{"a":1}`)}
	if _, err := natsjs.Register(ctx, js, s, r); !errors.Is(err, natsjs.ErrNoWorkers) {
		t.Fatalf("without streams: %v, want ErrNoWorkers", err)
	}
	a, err := natsjs.Setup(ctx, js, s, natsjs.SetupConfig{})
	if err != nil {
		t.Fatal(err)
	}
	first, err := natsjs.Register(ctx, js, s, r)
	if err != nil || first.Duplicate {
		t.Fatalf("Register = %+v, %v", first, err)
	}
	again, err := natsjs.Register(ctx, js, s, r)
	if err != nil || !again.Duplicate || again.Sequence != first.Sequence {
		t.Errorf("second Register = %+v, %v; want a duplicate of %d", again, err, first.Sequence)
	}
	if _, err := natsjs.Register(ctx, js, s, events.Registration{RegionID: "cn-hangzhou", TaskID: "not a task"}); !errors.Is(err, events.ErrInvalidRegistration) {
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
}
