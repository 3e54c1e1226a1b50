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

// The defaults are stated once: a zero Config gets exactly DefaultConfig's, and both are
// complete, so applying the defaults again changes nothing.
func TestDefaultConfigIsWhatZeroFieldsGet(t *testing.T) {
	got, want := Config{}.WithDefaults(), DefaultConfig().WithDefaults()
	if got != want {
		t.Errorf("Config{}.WithDefaults() = %+v\nDefaultConfig().WithDefaults() = %+v", got, want)
	}
	if again := got.WithDefaults(); again != got {
		t.Errorf("WithDefaults twice = %+v, want %+v", again, got)
	}
	if err := DefaultConfig().WithDefaults().Validate(); err != nil {
		t.Errorf("DefaultConfig() does not validate: %v", err)
	}
}

// In a Config from DefaultConfig, an explicit zero means what its field says: no jitter, no
// grace, no batch checks (the worker reads them as negative, as a literal spells them). In a
// literal the same zeros are the defaults.
func TestCompleteConfigKeepsItsZeros(t *testing.T) {
	off := DefaultConfig()
	off.PollJitter, off.NotFoundGrace, off.BatchInterval = 0, 0, 0
	got := off.WithDefaults()
	if got.PollJitter >= 0 || got.NotFoundGrace >= 0 || got.BatchInterval >= 0 {
		t.Errorf("explicit zeros: jitter %g, grace %s, batch interval %s; want each off (negative)", got.PollJitter, got.NotFoundGrace, got.BatchInterval)
	}
	if f := newBackOff(got).RandomizationFactor; f != 0 {
		t.Errorf("randomization factor %g, want 0", f)
	}
	lit := Config{PollJitter: 0, NotFoundGrace: 0, BatchInterval: 0}.WithDefaults()
	if d := DefaultConfig(); lit.PollJitter != d.PollJitter || lit.NotFoundGrace != d.NotFoundGrace || lit.BatchInterval != d.BatchInterval {
		t.Errorf("literal zeros: jitter %g, grace %s, batch interval %s; want the defaults", lit.PollJitter, lit.NotFoundGrace, lit.BatchInterval)
	}
}

// A zero where zero means nothing is refused in a complete Config, not replaced.
func TestCompleteConfigRefusesMeaninglessZeros(t *testing.T) {
	tests := []struct {
		set  func(*Config)
		want string
	}{
		{func(c *Config) { c.PollInitial = 0 }, "poll initial"},
		{func(c *Config) { c.APITimeout = 0 }, "API timeout"},
		{func(c *Config) { c.Concurrency = 0 }, "concurrency"},
		{func(c *Config) { c.MaxTracked = 0 }, "max tracked"},
		{func(c *Config) { c.PollMultiplier = 0 }, "poll multiplier"},
	}
	for _, tt := range tests {
		c := DefaultConfig()
		tt.set(&c)
		if err := c.WithDefaults().Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s set to 0: Validate() = %v, want an error about it", tt.want, err)
		}
	}
}

// APIBurst, BatchQPS and WorkerID follow other settings when zero, in every Config.
func TestDerivedDefaults(t *testing.T) {
	for name, c := range map[string]Config{"complete": DefaultConfig(), "literal": {}} {
		c.APIQPS, c.WorkerID = 4, ""
		got := c.WithDefaults()
		if got.APIBurst != 4 || got.BatchQPS != 4 || got.WorkerID != "worker" {
			t.Errorf("%s: burst %d, batch QPS %g, worker id %q; want 4, 4, worker", name, got.APIBurst, got.BatchQPS, got.WorkerID)
		}
	}
}
