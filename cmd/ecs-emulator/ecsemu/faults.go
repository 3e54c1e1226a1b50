package ecsemu

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"
)

// Faults describes injected failures. Each rate is the fraction (0..1) of
// requests answered that way; the rates are exclusive and their sum must not
// exceed 1.
type Faults struct {
	Throttle    float64       `json:"throttle"`          // 400 Throttling.User
	Unavailable float64       `json:"unavailable"`       // 503 ServiceUnavailable
	Internal    float64       `json:"internal"`          // 500 InternalError
	BadGateway  float64       `json:"bad_gateway"`       // 502 with a non-JSON HTML body
	Drop        float64       `json:"drop"`              // connection closed without an answer
	Latency     time.Duration `json:"latency"`           // added to every answer
	Actions     []string      `json:"actions,omitempty"` // if non-empty, faults apply only to these actions
}

// Validate reports a rate outside 0..1, rates adding up to more than 1, or a
// negative latency.
func (f Faults) Validate() error {
	sum := 0.0
	for _, r := range []float64{f.Throttle, f.Unavailable, f.Internal, f.BadGateway, f.Drop} {
		if r < 0 || r > 1 {
			return fmt.Errorf("ecsemu: fault rate %v outside 0..1", r)
		}
		sum += r
	}
	if sum > 1+1e-9 {
		return fmt.Errorf("ecsemu: fault rates add up to %v, more than 1", sum)
	}
	if f.Latency < 0 {
		return fmt.Errorf("ecsemu: negative latency %v", f.Latency)
	}
	return nil
}

// normalized returns f with rates clamped to 0..1, scaled down to add up to
// at most 1, and a non-negative latency.
func (f Faults) normalized() Faults {
	rates := []*float64{&f.Throttle, &f.Unavailable, &f.Internal, &f.BadGateway, &f.Drop}
	sum := 0.0
	for _, r := range rates {
		*r = min(max(*r, 0), 1)
		sum += *r
	}
	if sum > 1 {
		for _, r := range rates {
			*r /= sum
		}
	}
	f.Latency = max(f.Latency, 0)
	return f
}

// faultInjector holds the current Faults and draws a fault per request.
type faultInjector struct {
	mu sync.RWMutex
	f  Faults
}

func (fi *faultInjector) set(f Faults) {
	f.Actions = slices.Clone(f.Actions)
	fi.mu.Lock()
	fi.f = f
	fi.mu.Unlock()
}

func (fi *faultInjector) get() Faults {
	fi.mu.RLock()
	defer fi.mu.RUnlock()
	f := fi.f
	f.Actions = slices.Clone(f.Actions)
	return f
}

// draw returns the latency to add and the fault code to answer for action,
// "" for none.
func (fi *faultInjector) draw(action string) (time.Duration, string) {
	fi.mu.RLock()
	f := fi.f
	applies := len(f.Actions) == 0 || slices.Contains(f.Actions, action)
	fi.mu.RUnlock()
	if !applies {
		return 0, ""
	}
	total := f.Throttle + f.Unavailable + f.Internal + f.BadGateway + f.Drop
	if total == 0 {
		return f.Latency, ""
	}
	u := rand.Float64()
	for _, c := range []struct {
		rate float64
		code string
	}{
		{f.Drop, CodeDrop},
		{f.BadGateway, CodeBadGateway},
		{f.Unavailable, CodeServiceUnavailable},
		{f.Internal, CodeInternalError},
		{f.Throttle, CodeThrottlingUser},
	} {
		if u < c.rate {
			return f.Latency, c.code
		}
		u -= c.rate
	}
	return f.Latency, ""
}
