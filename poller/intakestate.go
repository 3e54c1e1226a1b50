package poller

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// intakeRecovered is how long a call of Source.Next must wait without an error, after errors,
// for taking registrations to count as working again: longer than a source takes to notice
// that its consumer is gone (natsjs.Source: about 10 s of missed heartbeats).
const intakeRecovered = 20 * time.Second

// intakeState is how taking registrations goes, shared by intake (which takes them), guard
// (which pauses and resumes it) and Ready and Healthy (which report it). Safe for concurrent
// use: the flags and times are atomics, the cancel func of the current Source.Next is guarded
// by mu.
//
// Paused is the guard's decision (pause, resume): ECS refuses this worker's calls, so intake
// hands everything back and takes nothing. Consuming is intake's report that it is taking
// registrations (not paused, not ended). Failing runs from the first failed Source.Next
// (failed) until one returns a registration (succeeded) or waits quietly for
// intakeRecovered (see failing).
type intakeState struct {
	consuming   atomic.Bool
	paused      atomic.Bool
	failingFrom atomic.Int64 // unix nanoseconds since intake has failed; 0 while it works
	lastFail    atomic.Int64 // unix nanoseconds of the latest intake error
	nextSince   atomic.Int64 // unix nanoseconds when the current call of Source.Next began

	mu         sync.Mutex
	cancelNext context.CancelFunc // interrupts the current Source.Next; nil before the first
}

// pause pauses intake and interrupts the current Source.Next, if any.
func (s *intakeState) pause() {
	s.paused.Store(true)
	s.mu.Lock()
	cancel := s.cancelNext
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// resume ends a pause.
func (s *intakeState) resume() { s.paused.Store(false) }

// isPaused reports whether intake is paused.
func (s *intakeState) isPaused() bool { return s.paused.Load() }

// setConsuming records whether intake is taking registrations.
func (s *intakeState) setConsuming(on bool) { s.consuming.Store(on) }

// nextBegan records that a call of Source.Next begins at now, which cancel interrupts; a
// pause that came before it was recorded interrupts it at once.
func (s *intakeState) nextBegan(now time.Time, cancel context.CancelFunc) {
	s.nextSince.Store(now.UnixNano())
	s.mu.Lock()
	s.cancelNext = cancel
	s.mu.Unlock()
	if s.paused.Load() { // paused before cancelNext was set
		cancel()
	}
}

// failed records that Source.Next failed at now.
func (s *intakeState) failed(now time.Time) {
	n := now.UnixNano()
	s.lastFail.Store(n)
	s.failingFrom.CompareAndSwap(0, n)
}

// succeeded records that Source.Next returned a registration.
func (s *intakeState) succeeded() {
	s.consuming.Store(true)
	s.failingFrom.Store(0)
}

// failing reports whether taking registrations is failing at now, and since how long. A
// failure ends when Next returns a registration, or has waited quietly for intakeRecovered:
// an idle queue is not a failure.
func (s *intakeState) failing(now time.Time) (time.Duration, bool) {
	from := s.failingFrom.Load()
	if from == 0 {
		return 0, false
	}
	if since := s.nextSince.Load(); since > s.lastFail.Load() && now.Sub(time.Unix(0, since)) >= intakeRecovered {
		s.failingFrom.CompareAndSwap(from, 0)
		return 0, false
	}
	return now.Sub(time.Unix(0, from)), true
}

// intakeReadiness is whether intake lets the worker be ready.
type intakeReadiness int

const (
	intakeTaking  intakeReadiness = iota // taking registrations
	intakePaused                         // paused by the guard
	intakeStopped                        // not consuming (starting, or ended), or failing
)

// readiness says whether intake lets the worker be ready at now, and if not why.
func (s *intakeState) readiness(now time.Time) intakeReadiness {
	_, failing := s.failing(now)
	switch {
	case s.paused.Load():
		return intakePaused
	case !s.consuming.Load() || failing:
		return intakeStopped
	}
	return intakeTaking
}
