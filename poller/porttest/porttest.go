// Package porttest checks that an implementation of one of the worker's ports keeps the
// contract written in package poller's doc comments. The in-memory implementations (package
// memory) and the JetStream adapters (package natsjs) both run these tests, as Watermill's
// pub/sub implementations run its shared tests. Each clause of a contract is a subtest of its
// own, on an implementation made fresh for it, so that one broken clause hides no other.
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

// Publisher checks a poller.Publisher made fresh by newPub for each clause: a task's journal
// starts empty; each publish is conditioned on the task's latest event; a refused condition
// stores nothing and says ErrFenced; republishing the latest event never stores it twice; a
// notice of a kind events.ID does not know is refused (ErrUnknownKind) and stores nothing;
// tasks are independent; Last tells what the latest event announced.
func Publisher(t *testing.T, newPub func(t *testing.T) poller.Publisher) {
	ctx := context.Background()
	first := notice("t-porttest-1", events.KindStatusChanged, 1, poller.StatusProcessing)
	end := notice("t-porttest-1", events.KindFinished, 2, poller.StatusFinished)
	// started is a fresh Publisher whose task t-porttest-1 has one event, first, at pos1.
	started := func(t *testing.T) (p poller.Publisher, pos1 uint64) {
		t.Helper()
		p = newPub(t)
		pos1, err := p.Publish(ctx, first, 0)
		if err != nil || pos1 == 0 {
			t.Fatalf("first publish: position %d, %v", pos1, err)
		}
		return p, pos1
	}
	// unchanged checks that the task's latest event is still the one at pos.
	unchanged := func(t *testing.T, p poller.Publisher, pos uint64) {
		t.Helper()
		if last, ok, err := p.Last(ctx, region, "t-porttest-1"); err != nil || !ok || last.Position != pos {
			t.Errorf("after a refused publish Last = %+v %v %v, want the event at %d", last, ok, err, pos)
		}
	}

	t.Run("a task without events has none", func(t *testing.T) {
		if _, ok, err := newPub(t).Last(ctx, region, "t-porttest-1"); err != nil || ok {
			t.Fatalf("Last of a task without events = ok %v, err %v; want none", ok, err)
		}
	})
	t.Run("the first event is stored after 0 and Last tells it", func(t *testing.T) {
		p, pos1 := started(t)
		last, ok, err := p.Last(ctx, region, "t-porttest-1")
		want := poller.Announced{Position: pos1, ID: first.ID(), Kind: events.KindStatusChanged, Action: "ExportImage",
			Status: poller.StatusProcessing, Process: "50%", Ordinal: 1}
		if err != nil || !ok || !reflect.DeepEqual(last, want) {
			t.Fatalf("Last = %+v %v %v, want %+v", last, ok, err, want)
		}
	})
	t.Run("after 0 on a task with events is fenced", func(t *testing.T) {
		p, pos1 := started(t)
		if _, err := p.Publish(ctx, end, 0); !errors.Is(err, poller.ErrFenced) {
			t.Errorf("publish after 0 on a task with events: %v, want ErrFenced", err)
		}
		unchanged(t, p, pos1)
	})
	t.Run("after a position the task never had is fenced", func(t *testing.T) {
		p, pos1 := started(t)
		if _, err := p.Publish(ctx, end, pos1+1000); !errors.Is(err, poller.ErrFenced) {
			t.Errorf("publish after a position the task never had: %v, want ErrFenced", err)
		}
		unchanged(t, p, pos1)
	})
	t.Run("after the latest is stored later and Last tells it", func(t *testing.T) {
		p, pos1 := started(t)
		pos2, err := p.Publish(ctx, end, pos1)
		if err != nil || pos2 <= pos1 {
			t.Fatalf("publish after the latest: position %d (latest %d), %v", pos2, pos1, err)
		}
		if last, _, _ := p.Last(ctx, region, "t-porttest-1"); last.Position != pos2 || last.Kind != events.KindFinished {
			t.Errorf("Last after the terminal event = %+v", last)
		}
	})
	t.Run("republishing the latest stores it once", func(t *testing.T) {
		p, pos1 := started(t)
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
	})
	t.Run("a notice of an unknown kind is refused", func(t *testing.T) {
		p, pos1 := started(t)
		odd := notice("t-porttest-1", "exploded", 2, poller.StatusFinished)
		if pos, err := p.Publish(ctx, odd, pos1); !errors.Is(err, events.ErrUnknownKind) {
			t.Errorf("publish of a notice of kind %q: position %d, %v; want ErrUnknownKind", odd.Kind, pos, err)
		}
		unchanged(t, p, pos1)
	})
	t.Run("tasks are independent", func(t *testing.T) {
		p, _ := started(t)
		other := notice("t-porttest-2", events.KindStatusChanged, 1, poller.StatusWaiting)
		if _, err := p.Publish(ctx, other, 0); err != nil {
			t.Errorf("another task's first event: %v", err)
		}
	})
}

// StateStore checks a poller.StateStore made fresh by newStore for each clause: absent keys
// say ErrNoState; Create fails with ErrStateExists on a present key; Update is compare-and-set
// on the revision (ErrStateConflict otherwise, also for an absent key); a state comes back as
// it was stored, outbox included.
func StateStore(t *testing.T, newStore func(t *testing.T) poller.StateStore) {
	ctx := context.Background()
	key := region + ".t-porttest-1"
	st := poller.State{OwnerSeq: 7, Owner: "w1", Lease: "w1/abc/1", RegisteredAt: time.Unix(1000, 0).UTC(),
		Action: "ExportImage", Status: poller.StatusProcessing, Process: "40%", Ordinal: 2, LastEvent: 42,
		Outbox: &poller.Outbox{Task: poller.Task{TaskID: "t-porttest-1", RegionID: region, Status: poller.StatusFinished,
			Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{{Name: "OSSObject", Value: "x.raw"}}}}},
			PreviousStatus: poller.StatusProcessing, ObservedAt: time.Unix(2000, 0).UTC(),
			Items: []poller.OutboxItem{{Kind: events.KindStatusChanged, Ordinal: 3}, {Kind: events.KindFinished, Ordinal: 3}}}}
	// updated is st once its outbox is sent and the task ended.
	updated := st
	updated.Outbox, updated.Terminal = nil, true
	// created is a fresh StateStore in which st was created under key, at rev.
	created := func(t *testing.T) (s poller.StateStore, rev uint64) {
		t.Helper()
		s = newStore(t)
		rev, err := s.Create(ctx, key, st)
		if err != nil {
			t.Fatal(err)
		}
		return s, rev
	}

	t.Run("Get of an absent key says ErrNoState", func(t *testing.T) {
		if _, _, err := newStore(t).Get(ctx, key); !errors.Is(err, poller.ErrNoState) {
			t.Fatalf("Get of an absent key: %v, want ErrNoState", err)
		}
	})
	t.Run("Update of an absent key conflicts", func(t *testing.T) {
		s := newStore(t)
		if _, err := s.Update(ctx, key, poller.State{}, 1); !errors.Is(err, poller.ErrStateConflict) {
			t.Errorf("Update of an absent key: %v, want ErrStateConflict", err)
		}
		if _, _, err := s.Get(ctx, key); !errors.Is(err, poller.ErrNoState) {
			t.Errorf("Get after a refused Update of an absent key: %v, want ErrNoState", err)
		}
	})
	t.Run("a created state comes back as stored", func(t *testing.T) {
		s, rev := created(t)
		got, grev, err := s.Get(ctx, key)
		if err != nil || grev != rev || !reflect.DeepEqual(got, st) {
			t.Fatalf("Get = %+v rev %d %v\nwant %+v rev %d", got, grev, err, st, rev)
		}
	})
	t.Run("Create of a present key says ErrStateExists", func(t *testing.T) {
		s, _ := created(t)
		if _, err := s.Create(ctx, key, st); !errors.Is(err, poller.ErrStateExists) {
			t.Errorf("second Create: %v, want ErrStateExists", err)
		}
	})
	t.Run("Update with a wrong revision conflicts", func(t *testing.T) {
		s, rev := created(t)
		if _, err := s.Update(ctx, key, updated, rev+1000); !errors.Is(err, poller.ErrStateConflict) {
			t.Errorf("Update with a wrong revision: %v, want ErrStateConflict", err)
		}
		if got, grev, err := s.Get(ctx, key); err != nil || grev != rev || !reflect.DeepEqual(got, st) {
			t.Errorf("after a refused Update Get = %+v rev %d %v\nwant %+v rev %d", got, grev, err, st, rev)
		}
	})
	t.Run("Update at the revision stores a new one", func(t *testing.T) {
		s, rev := created(t)
		rev2, err := s.Update(ctx, key, updated, rev)
		if err != nil || rev2 == rev {
			t.Fatalf("Update: rev %d (was %d), %v", rev2, rev, err)
		}
		if got, _, _ := s.Get(ctx, key); !reflect.DeepEqual(got, updated) {
			t.Errorf("after Update Get = %+v, want %+v", got, updated)
		}
	})
	t.Run("Update with the old revision conflicts", func(t *testing.T) {
		s, rev := created(t)
		if _, err := s.Update(ctx, key, updated, rev); err != nil {
			t.Fatalf("Update: %v", err)
		}
		if _, err := s.Update(ctx, key, updated, rev); !errors.Is(err, poller.ErrStateConflict) {
			t.Errorf("Update with the old revision: %v, want ErrStateConflict", err)
		}
	})
}

// Source checks a poller.Source made fresh by newSource for each clause, with register
// enqueuing a registration: registrations are leased with their ids, in any order; a lease
// keeps its registration held until Done; a released one is leased again with the same id;
// Next returns ctx.Err() when ctx ends; Run returns nil when ctx ends.
func Source(t *testing.T, newSource func(t *testing.T) (poller.Source, func(events.Registration))) {
	a := events.Registration{RegionID: region, TaskID: "t-porttest-a", Metadata: []byte(`{"k":"v"}`)}
	b := events.Registration{RegionID: region, TaskID: "t-porttest-b"}
	// leased is a running Source that leased a (la) and b (lb).
	leased := func(ctx context.Context, t *testing.T) (src poller.Source, la, lb poller.Lease) {
		t.Helper()
		src, register := running(ctx, t, newSource)
		register(a)
		register(b)
		la = next(ctx, t, src)
		lb = next(ctx, t, src)
		if la.Registration().Key() != a.Key() { // sources need not keep the order of registration
			la, lb = lb, la
		}
		return src, la, lb
	}

	t.Run("registrations are leased with their own ids", func(t *testing.T) {
		_, la, lb := leased(testContext(t), t)
		if la.ID() == lb.ID() {
			t.Fatalf("two registrations share id %d", la.ID())
		}
		if got := la.Registration(); got.Key() != a.Key() || string(got.Metadata) != `{"k":"v"}` {
			t.Errorf("leased registration = %+v, want %+v", got, a)
		}
	})
	t.Run("a lease is held until Done", func(t *testing.T) {
		ctx := testContext(t)
		src, la, _ := leased(ctx, t)
		if held, err := src.Held(ctx, la.Registration().Key(), la.ID()); err != nil || !held {
			t.Errorf("Held of a leased registration = %v, %v", held, err)
		}
		if err := la.Done(ctx); err != nil {
			t.Fatal(err)
		}
		if held, err := src.Held(ctx, la.Registration().Key(), la.ID()); err != nil || held {
			t.Errorf("Held after Done = %v, %v; want false", held, err)
		}
	})
	t.Run("a released registration is leased again with its id", func(t *testing.T) {
		ctx := testContext(t)
		src, _, lb := leased(ctx, t)
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
	})
	t.Run("Next returns the ctx's error when it ends", func(t *testing.T) {
		ctx := testContext(t)
		src, _ := running(ctx, t, newSource)
		short, stop := context.WithTimeout(ctx, 200*time.Millisecond)
		defer stop()
		if l, err := src.Next(short); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Next with nothing queued = %v, %v; want the ctx's error", l, err)
		}
	})
	t.Run("Run returns nil when its ctx ends", func(t *testing.T) {
		running(testContext(t), t, newSource) // running's cleanup checks it, with nothing else done
	})
}

// running makes a Source with newSource and runs it until the test ends: then it drains the
// Source, ends Run's ctx and checks that Run returns nil.
func running(ctx context.Context, t *testing.T, newSource func(t *testing.T) (poller.Source, func(events.Registration))) (
	poller.Source, func(events.Registration)) {
	t.Helper()
	src, register := newSource(t)
	runCtx, stopRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- src.Run(runCtx) }()
	t.Cleanup(func() {
		src.Drain(ctx)
		stopRun()
		if err := <-ran; err != nil {
			t.Errorf("Run returned %v when its ctx ended, want nil", err)
		}
	})
	return src, register
}

// testContext ends after 30 s, or once the test's cleanups registered after it have run
// (not t.Context, which ends before them: running's cleanup drains the Source with it).
func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func next(ctx context.Context, t *testing.T, src poller.Source) poller.Lease {
	t.Helper()
	l, err := src.Next(ctx)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return l
}
