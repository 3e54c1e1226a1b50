package memory

import (
	"context"
	"sync"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// Registrations is the registrations stream's de-duplication: a registration published within
// Window of an earlier one with the same message id (events.RegistrationMsgID: by region, task
// and whether discovery or a producer registers) is a duplicate and is not stored, as
// JetStream's duplicate window does. What is stored is handed to a Registrar's deliver
// function: a worker's Source, say.
type Registrations struct {
	window time.Duration

	mu     sync.Mutex
	stored map[string]time.Time // message id → when it was stored
	count  int
	down   bool
}

// NewRegistrations returns a stream whose duplicate window is window.
func NewRegistrations(window time.Duration) *Registrations {
	return &Registrations{window: window, stored: map[string]time.Time{}}
}

// SetDown makes every Register fail with ErrDown (true), or work again (false).
func (r *Registrations) SetDown(down bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.down = down
}

// Stored counts the registrations stored so far (duplicates left out).
func (r *Registrations) Stored() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// Registrar returns a poller.Registrar on r that hands every registration it stores to
// deliver, before Register returns.
func (r *Registrations) Registrar(deliver func(events.Registration)) poller.Registrar {
	return registrar{r: r, deliver: deliver}
}

type registrar struct {
	r       *Registrations
	deliver func(events.Registration)
}

// Register implements poller.Registrar: it validates reg as a worker would, and stores it
// unless a registration with its message id was stored within the window.
func (g registrar) Register(_ context.Context, reg events.Registration) (bool, error) {
	b, err := reg.Payload()
	if err != nil {
		return false, err
	}
	if reg, err = events.ParseRegistration(b); err != nil {
		return false, err
	}
	r := g.r
	r.mu.Lock()
	if r.down {
		r.mu.Unlock()
		return false, ErrDown
	}
	now := time.Now()
	id := events.RegistrationMsgID(reg)
	if at, ok := r.stored[id]; ok && now.Sub(at) < r.window {
		r.mu.Unlock()
		return true, nil
	}
	if len(r.stored) >= 1024 && len(r.stored)%1024 == 0 { // forget what the window no longer holds
		for k, at := range r.stored {
			if now.Sub(at) >= r.window {
				delete(r.stored, k)
			}
		}
	}
	r.stored[id] = now
	r.count++
	r.mu.Unlock()
	g.deliver(reg)
	return false, nil
}
