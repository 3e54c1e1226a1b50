package poller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestSchedulerHandsOutKeysInDueOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error)
		go func() { done <- s.Run(ctx) }()
		start := time.Now()
		s.Schedule("c", start.Add(3*time.Second))
		s.Schedule("a", start.Add(1*time.Second))
		s.Schedule("b", start.Add(2*time.Second))
		s.Schedule("a", start.Add(5*time.Second)) // later: ignored
		s.Schedule("c", start.Add(500*time.Millisecond))
		for _, want := range []struct {
			key string
			at  time.Duration
		}{{"c", 500 * time.Millisecond}, {"a", time.Second}, {"b", 2 * time.Second}} {
			got := <-s.Ready()
			if got != want.key || time.Since(start) != want.at {
				t.Errorf("got %s at %s, want %s at %s", got, time.Since(start), want.key, want.at)
			}
		}
		if n := s.Len(); n != 0 {
			t.Errorf("len = %d, want 0", n)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	})
}

func TestSchedulerKeyOnceUntilHandedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = s.Run(ctx) }()
		now := time.Now()
		for range 5 {
			s.Schedule("k", now.Add(time.Second))
		}
		if n := s.Len(); n != 1 {
			t.Fatalf("len = %d, want 1", n)
		}
		<-s.Ready()
		s.Done("k")
		s.Schedule("k", time.Now()) // after Done it may be scheduled again
		if got := <-s.Ready(); got != "k" {
			t.Fatalf("got %q", got)
		}
		s.Done("k")
		select {
		case k := <-s.Ready():
			t.Fatalf("unexpected %q", k)
		case <-time.After(time.Hour):
		}
	})
}

// A key scheduled while it is processing is handed out again only after Done: at once if its
// due time has passed by then, else at its due time. Other keys are not held up meanwhile.
func TestSchedulerProcessingKeyWaitsForDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newScheduler()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		go func() { _ = s.Run(ctx) }()
		start := time.Now()
		s.Schedule("k", start)
		if got := <-s.Ready(); got != "k" {
			t.Fatalf("got %q, want k", got)
		}

		// Scheduled while processing, due in 1 s (the earliest of three), Done at 5 s.
		s.Schedule("k", start.Add(3*time.Second))
		s.Schedule("k", start.Add(time.Second))
		s.Schedule("k", start.Add(2*time.Second))
		s.Schedule("other", start.Add(2*time.Second))
		if n := s.Len(); n != 2 {
			t.Errorf("len = %d, want 2 (k waiting for Done, other)", n)
		}
		if got := <-s.Ready(); got != "other" || time.Since(start) != 2*time.Second {
			t.Errorf("got %s at %s, want other at 2s", got, time.Since(start))
		}
		s.Done("other")
		expectNone(t, s, 5*time.Second-time.Since(start))
		s.Done("k")
		if got := <-s.Ready(); got != "k" || time.Since(start) != 5*time.Second {
			t.Errorf("got %s at %s, want k at 5s (at Done: its due time has passed)", got, time.Since(start))
		}

		// Scheduled while processing, due at 10 s, Done at 6 s.
		s.Schedule("k", start.Add(10*time.Second))
		time.Sleep(time.Second)
		s.Done("k")
		if got := <-s.Ready(); got != "k" || time.Since(start) != 10*time.Second {
			t.Errorf("got %s at %s, want k at 10s (its due time)", got, time.Since(start))
		}

		// Done without a Schedule meanwhile: not handed out again.
		s.Done("k")
		expectNone(t, s, time.Hour)
		if n := s.Len(); n != 0 {
			t.Errorf("len = %d, want 0", n)
		}
	})
}

// expectNone fails if s hands out a key within d.
func expectNone(t *testing.T, s *scheduler, d time.Duration) {
	t.Helper()
	select {
	case k := <-s.Ready():
		t.Fatalf("unexpected %q at %s", k, time.Now().Format(time.StampMilli))
	case <-time.After(d):
	}
}
