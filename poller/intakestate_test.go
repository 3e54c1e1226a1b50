package poller

import (
	"context"
	"testing"
	"time"
)

// The transitions of intake's state, step by step: at each step, what failing and readiness
// say. Times are seconds after t0.
func TestIntakeState(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	nop := func() {}
	type step struct {
		do      func(s *intakeState)
		now     int           // when failing and readiness are asked
		failing time.Duration // -1: not failing
		ready   intakeReadiness
	}
	recovered := int(intakeRecovered / time.Second)
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"not consuming until intake starts", []step{
			{func(*intakeState) {}, 0, -1, intakeStopped},
			{func(s *intakeState) { s.setConsuming(true) }, 0, -1, intakeTaking},
			{func(s *intakeState) { s.setConsuming(false) }, 1, -1, intakeStopped},
		}},
		{"failing from the first failure until a success", []step{
			{func(s *intakeState) { s.setConsuming(true); s.nextBegan(at(0), nop); s.failed(at(1)) }, 1, 0, intakeStopped},
			{func(s *intakeState) { s.nextBegan(at(2), nop); s.failed(at(3)) }, 5, 4 * time.Second, intakeStopped}, // since the first
			{func(s *intakeState) { s.succeeded() }, 6, -1, intakeTaking},
		}},
		{"a quiet Next ends a failure after intakeRecovered", []step{
			{func(s *intakeState) { s.setConsuming(true); s.failed(at(0)); s.nextBegan(at(1), nop) }, recovered, time.Duration(recovered) * time.Second, intakeStopped},
			{func(*intakeState) {}, 1 + recovered, -1, intakeTaking},
			{func(*intakeState) {}, 2 + recovered, -1, intakeTaking}, // ended for good, not only at that time
		}},
		{"a Next begun before the latest failure does not end it", []step{
			{func(s *intakeState) { s.setConsuming(true); s.nextBegan(at(0), nop); s.failed(at(1)) }, 100, 99 * time.Second, intakeStopped},
		}},
		{"paused wins over failing, and ends with resume", []step{
			{func(s *intakeState) { s.setConsuming(true); s.failed(at(0)); s.pause() }, 1, time.Second, intakePaused},
			{func(s *intakeState) { s.resume(); s.succeeded() }, 2, -1, intakeTaking},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var s intakeState
			for i, st := range tt.steps {
				st.do(&s)
				now := at(st.now)
				d, failing := s.failing(now)
				if want := st.failing >= 0; failing != want || (failing && d != st.failing) {
					t.Errorf("step %d: failing = %s, %v; want %s, %v", i, d, failing, st.failing, want)
				}
				if got := s.readiness(now); got != st.ready {
					t.Errorf("step %d: readiness %d, want %d", i, got, st.ready)
				}
			}
		})
	}
}

// pause interrupts the Next in flight, and a Next that begins while paused at once.
func TestIntakeStatePauseInterruptsNext(t *testing.T) {
	var s intakeState
	s.pause() // before any Next: nothing to interrupt
	s.resume()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s.nextBegan(time.Now(), cancel)
	if ctx.Err() != nil {
		t.Fatal("Next interrupted without a pause")
	}
	s.pause()
	if ctx.Err() == nil || !s.isPaused() {
		t.Fatalf("after pause: Next's context %v, paused %v; want canceled, paused", ctx.Err(), s.isPaused())
	}
	late, cancelLate := context.WithCancel(context.Background())
	defer cancelLate()
	s.nextBegan(time.Now(), cancelLate)
	if late.Err() == nil {
		t.Error("a Next begun while paused was not interrupted")
	}
}
