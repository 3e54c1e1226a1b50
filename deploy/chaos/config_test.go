//go:build chaos

package chaos

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// config is the soak's settings, from the environment (see doc.go).
type config struct {
	duration time.Duration // CHAOS_DURATION: how long the chaos lasts
	seed     uint64        // CHAOS_SEED: the schedule's seed
	rate     float64       // CHAOS_RATE: tasks registered per second
	drain    time.Duration // CHAOS_DRAIN: how long to wait after the chaos for every task to end
}

// The workers' windows in the soak's stack: a cut outlasts the duplicate window, and some
// stops the ack wait (taskpoller run wants apiTimeout < ackWait and dedupWindow ≥ 2×ackWait).
const (
	ackWait     = 10 * time.Second
	dedupWindow = 30 * time.Second
	apiTimeout  = 5 * time.Second
	// settle is how long the soak keeps reading after every task has ended and every worker
	// is back, so that a late second terminal event is seen too.
	settle = 20 * time.Second
)

func loadConfig(getenv func(string) string) (config, error) {
	c := config{duration: 20 * time.Minute, seed: uint64(time.Now().UnixNano()), rate: 3, drain: 5 * time.Minute}
	var err error
	if v := getenv("CHAOS_DURATION"); v != "" {
		if c.duration, err = time.ParseDuration(v); err != nil || c.duration < time.Minute {
			return c, fmt.Errorf("CHAOS_DURATION=%q: want a duration of at least 1m", v)
		}
	}
	if v := getenv("CHAOS_SEED"); v != "" {
		if c.seed, err = strconv.ParseUint(v, 10, 64); err != nil {
			return c, fmt.Errorf("CHAOS_SEED=%q: want an unsigned integer", v)
		}
	}
	if v := getenv("CHAOS_RATE"); v != "" {
		if c.rate, err = strconv.ParseFloat(v, 64); err != nil || c.rate <= 0 || c.rate > 10 || math.IsNaN(c.rate) {
			return c, fmt.Errorf("CHAOS_RATE=%q: want more than 0 and at most 10 tasks/s", v)
		}
	}
	if v := getenv("CHAOS_DRAIN"); v != "" {
		if c.drain, err = time.ParseDuration(v); err != nil || c.drain <= 0 {
			return c, fmt.Errorf("CHAOS_DRAIN=%q: want a positive duration", v)
		}
	}
	return c, nil
}

// tasks is how many tasks the producer registers: the rate over the chaos.
func (c config) tasks() int { return int(math.Ceil(c.rate * c.duration.Seconds())) }
