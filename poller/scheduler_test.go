package poller

import (
	"context"
	"testing"
	"testing/synctest"
	"time"
)

func TestSchedulerHandsOutKeysInDueOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := NewScheduler()
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
		s := NewScheduler()
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
		s.Schedule("k", time.Now()) // after hand-out it may be scheduled again
		if got := <-s.Ready(); got != "k" {
			t.Fatalf("got %q", got)
		}
		select {
		case k := <-s.Ready():
			t.Fatalf("unexpected %q", k)
		case <-time.After(time.Hour):
		}
	})
}
