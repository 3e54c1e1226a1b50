package poller

import (
	"strings"
	"testing"
)

func TestPollJitterDefaults(t *testing.T) {
	tests := []struct {
		jitter float64
		want   float64 // randomization factor of the task backoff
	}{
		{0, 0.2},   // zero: the documented default
		{-1, 0},    // negative: no jitter
		{-0.5, 0},  // any negative
		{0.5, 0.5}, // as given
	}
	for _, tt := range tests {
		cfg := Config{PollJitter: tt.jitter}
		cfg.setDefaults()
		if err := cfg.Validate(); err != nil {
			t.Errorf("jitter %g: %v", tt.jitter, err)
			continue
		}
		if got := newBackOff(cfg).RandomizationFactor; got != tt.want {
			t.Errorf("jitter %g: randomization factor %g, want %g", tt.jitter, got, tt.want)
		}
	}
}

func TestPollJitterBelowOne(t *testing.T) {
	for _, jitter := range []float64{1, 1.5} {
		cfg := Config{PollJitter: jitter}
		cfg.setDefaults()
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "jitter") {
			t.Errorf("jitter %g: got %v, want an error about jitter", jitter, err)
		}
	}
}
