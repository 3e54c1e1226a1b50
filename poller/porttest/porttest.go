// Package porttest checks that an implementation of one of the worker's ports keeps the
// contract written in package poller's doc comments. The in-memory implementations (package
// memory) and the JetStream adapters (package natsjs) both run these tests, as Watermill's
// pub/sub implementations run its shared tests.
package porttest

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

const region = "cn-hangzhou"

func notice(task string, kind events.Kind, ordinal int, status poller.Status) poller.Notice {
	return poller.Notice{Kind: kind, Ordinal: ordinal, ObservedAt: time.Unix(1000, 0),
		Task: poller.Task{TaskID: task, RegionID: region, Action: "ExportImage", Status: status, Process: "50%"}}
}

// Publisher checks a poller.Publisher made fresh by newPub for each run: a task's journal
// starts empty; each publish is conditioned on the task's latest event; a refused condition
// stores nothing and says ErrFenced; republishing the latest event never stores it twice;
// tasks are independent; Last tells what the latest event announced.
func Publisher(t *testing.T, newPub func(t *testing.T) poller.Publisher) {
	ctx := context.Background()
	p := newPub(t)
	if _, ok, err := p.Last(ctx, region, "t-porttest-1"); err != nil || ok {
		t.Fatalf("Last of a task without events = ok %v, err %v; want none", ok, err)
	}
	first := notice("t-porttest-1", events.KindStatusChanged, 1, poller.StatusProcessing)
	pos1, err := p.Publish(ctx, first, 0)
	if err != nil || pos1 == 0 {
		t.Fatalf("first publish: position %d, %v", pos1, err)
	}
	last, ok, err := p.Last(ctx, region, "t-porttest-1")
	want := poller.Announced{Position: pos1, ID: first.ID(), Kind: events.KindStatusChanged, Action: "ExportImage",
		Status: poller.StatusProcessing, Process: "50%", Ordinal: 1}
	if err != nil || !ok || !reflect.DeepEqual(last, want) {
		t.Fatalf("Last = %+v %v %v, want %+v", last, ok, err, want)
	}
	end := notice("t-porttest-1", events.KindFinished, 2, poller.StatusFinished)
	if _, err := p.Publish(ctx, end, 0); !errors.Is(err, poller.ErrFenced) {
		t.Errorf("publish after 0 on a task with events: %v, want ErrFenced", err)
	}
	if _, err := p.Publish(ctx, end, pos1+1000); !errors.Is(err, poller.ErrFenced) {
		t.Errorf("publish after a position the task never had: %v, want ErrFenced", err)
	}
	pos2, err := p.Publish(ctx, end, pos1)
	if err != nil || pos2 <= pos1 {
		t.Fatalf("publish after the latest: position %d (latest %d), %v", pos2, pos1, err)
	}
	// The same event again, on the same condition: stored once whatever the answer.
	if pos, err := p.Publish(ctx, end, pos1); err == nil && pos != pos2 {
		t.Errorf("republished event stored again at %d (first at %d)", pos, pos2)
	} else if err != nil && !errors.Is(err, poller.ErrFenced) {
		t.Errorf("republishing: %v, want its position or ErrFenced", err)
	}
	if last, _, _ := p.Last(ctx, region, "t-porttest-1"); last.Position != pos2 || last.Kind != events.KindFinished {
		t.Errorf("Last after the terminal event = %+v", last)
	}
	other := notice("t-porttest-2", events.KindStatusChanged, 1, poller.StatusWaiting)
	if _, err := p.Publish(ctx, other, 0); err != nil {
		t.Errorf("another task's first event: %v", err)
	}
}

// StateStore checks a poller.StateStore: absent keys say ErrNoState; Create fails with
// ErrStateExists on a present key; Update is compare-and-set on the revision (ErrStateConflict
// otherwise, also for an absent key); a state comes back as it was stored, outbox included.
func StateStore(t *testing.T, newStore func(t *testing.T) poller.StateStore) {
	ctx := context.Background()
	s := newStore(t)
	key := region + ".t-porttest-1"
	if _, _, err := s.Get(ctx, key); !errors.Is(err, poller.ErrNoState) {
		t.Fatalf("Get of an absent key: %v, want ErrNoState", err)
	}
	if _, err := s.Update(ctx, key, poller.State{}, 1); !errors.Is(err, poller.ErrStateConflict) {
		t.Errorf("Update of an absent key: %v, want ErrStateConflict", err)
	}
	st := poller.State{OwnerSeq: 7, Owner: "w1", Lease: "w1/abc/1", RegisteredAt: time.Unix(1000, 0).UTC(),
		Action: "ExportImage", Status: poller.StatusProcessing, Process: "40%", Ordinal: 2, LastEvent: 42,
		Outbox: &poller.Outbox{Task: poller.Task{TaskID: "t-porttest-1", RegionID: region, Status: poller.StatusFinished,
			Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{{Name: "OSSObject", Value: "x.raw"}}}}},
			PreviousStatus: poller.StatusProcessing, ObservedAt: time.Unix(2000, 0).UTC(),
			Items: []poller.OutboxItem{{Kind: events.KindStatusChanged, Ordinal: 3}, {Kind: events.KindFinished, Ordinal: 3}}}}
	rev, err := s.Create(ctx, key, st)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, key, st); !errors.Is(err, poller.ErrStateExists) {
		t.Errorf("second Create: %v, want ErrStateExists", err)
	}
	got, grev, err := s.Get(ctx, key)
	if err != nil || grev != rev || !reflect.DeepEqual(got, st) {
		t.Fatalf("Get = %+v rev %d %v\nwant %+v rev %d", got, grev, err, st, rev)
	}
	st.Outbox, st.Terminal = nil, true
	if _, err := s.Update(ctx, key, st, rev+1000); !errors.Is(err, poller.ErrStateConflict) {
		t.Errorf("Update with a wrong revision: %v, want ErrStateConflict", err)
	}
	rev2, err := s.Update(ctx, key, st, rev)
	if err != nil || rev2 == rev {
		t.Fatalf("Update: rev %d (was %d), %v", rev2, rev, err)
	}
	if _, err := s.Update(ctx, key, st, rev); !errors.Is(err, poller.ErrStateConflict) {
		t.Errorf("Update with the old revision: %v, want ErrStateConflict", err)
	}
	if got, _, _ := s.Get(ctx, key); !reflect.DeepEqual(got, st) {
		t.Errorf("after Update Get = %+v, want %+v", got, st)
	}
}

// Source checks a poller.Source made by newSource, with register enqueuing a registration:
// registrations are leased with their ids, in any order; a lease keeps its registration held until Done;
// a released one is leased again with the same id; Next returns ctx.Err() when ctx ends; Run
// returns nil when ctx ends.
func Source(t *testing.T, newSource func(t *testing.T) (poller.Source, func(events.Registration))) {
	src, register := newSource(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- src.Run(runCtx) }()
	defer func() {
		stopRun()
		if err := <-ran; err != nil {
			t.Errorf("Run returned %v when its ctx ended, want nil", err)
		}
	}()

	a := events.Registration{RegionID: region, TaskID: "t-porttest-a", Metadata: []byte(`{"k":"v"}`)}
	register(a)
	register(events.Registration{RegionID: region, TaskID: "t-porttest-b"})
	la := next(ctx, t, src)
	lb := next(ctx, t, src)
	if la.Registration().Key() != a.Key() { // sources need not keep the order of registration
		la, lb = lb, la
	}
	if la.ID() == lb.ID() {
		t.Fatalf("two registrations share id %d", la.ID())
	}
	if got := la.Registration(); got.Key() != a.Key() || string(got.Metadata) != `{"k":"v"}` {
		t.Errorf("leased registration = %+v, want %+v", got, a)
	}
	if held, err := src.Held(ctx, la.Registration().Key(), la.ID()); err != nil || !held {
		t.Errorf("Held of a leased registration = %v, %v", held, err)
	}
	if err := la.Done(ctx); err != nil {
		t.Fatal(err)
	}
	if held, err := src.Held(ctx, la.Registration().Key(), la.ID()); err != nil || held {
		t.Errorf("Held after Done = %v, %v; want false", held, err)
	}
	if err := lb.Release(ctx, 0); err != nil {
		t.Fatal(err)
	}
	again := next(ctx, t, src)
	if again.ID() != lb.ID() || again.Registration().Key() != lb.Registration().Key() {
		t.Errorf("released registration came back as %d %+v, want %d", again.ID(), again.Registration(), lb.ID())
	}
	if err := again.Done(ctx); err != nil {
		t.Fatal(err)
	}
	short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
	defer stop()
	if l, err := src.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Next with nothing queued = %v, %v; want the ctx's error", l, err)
	}
	src.Drain(ctx)
}

func next(ctx context.Context, t *testing.T, src poller.Source) poller.Lease {
	t.Helper()
	l, err := src.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return l
}
