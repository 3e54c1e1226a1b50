package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestDiscoveryConfigDefaults(t *testing.T) {
	var cfg discoveryConfig
	if err := parse(cfg.flags(), nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate() of the defaults: %v", err)
	}
	if cfg.Tasks != 10000 || cfg.Span != 2*time.Minute || cfg.Quota != 200 || !cfg.Registered ||
		!slices.Equal(cfg.Regions, []string{"cn-hangzhou", "cn-shanghai", "cn-beijing"}) ||
		!slices.Equal(cfg.Intervals, []time.Duration{30 * time.Second}) || cfg.Lookback != 10*time.Minute {
		t.Errorf("defaults: %+v", cfg)
	}
}

func TestDiscoveryConfigFlags(t *testing.T) {
	var cfg discoveryConfig
	err := parse(cfg.flags(), []string{"--tasks", "300", "--discover-interval", "30s, 10s", "--regions", "cn-beijing,cn-qingdao",
		"--finish", "5s-10s", "--registered=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if got, want := cfg.Intervals, []time.Duration{30 * time.Second, 10 * time.Second}; !slices.Equal(got, want) {
		t.Errorf("intervals %v, want %v", got, want)
	}
	if got := (*durationsFlag)(&cfg.Intervals).String(); got != "30s,10s" {
		t.Errorf("intervals String() = %q, want 30s,10s", got)
	}
	if cfg.Registered || cfg.Tasks != 300 || !slices.Equal(cfg.Regions, []string{"cn-beijing", "cn-qingdao"}) {
		t.Errorf("parsed %+v", cfg)
	}
}

func TestDiscoveryConfigValidate(t *testing.T) {
	var base discoveryConfig
	if err := parse(base.flags(), nil, io.Discard); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		edit func(c *discoveryConfig)
		want string
	}{
		{"no tasks", func(c *discoveryConfig) { c.Tasks = 0 }, "--tasks"},
		{"no span", func(c *discoveryConfig) { c.Span = 0 }, "--span"},
		{"no regions", func(c *discoveryConfig) { c.Regions = nil }, "--regions"},
		{"region twice", func(c *discoveryConfig) { c.Regions = []string{"cn-beijing", "cn-beijing"} }, "named twice"},
		{"interval below the worker's floor", func(c *discoveryConfig) { c.Intervals = []time.Duration{500 * time.Millisecond} }, "at least 1s"},
		{"lookback within the interval", func(c *discoveryConfig) { c.Lookback = 30 * time.Second }, "--discover-lookback"},
		{"nothing to run", func(c *discoveryConfig) { c.Intervals, c.Registered = nil, false }, "nothing to run"},
		{"no quota", func(c *discoveryConfig) { c.Quota = 0 }, "--quota"},
		{"no idle", func(c *discoveryConfig) { c.Idle = 0 }, "--idle"},
		{"bad backoff", func(c *discoveryConfig) { c.Backoff.Multiplier = 0.5 }, "--poll-multiplier"},
	} {
		c := base
		c.Regions = slices.Clone(base.Regions)
		tc.edit(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func TestDurationsFlagRefuses(t *testing.T) {
	for _, bad := range []string{"", "30", "30s,", "x"} {
		var d durationsFlag
		if err := d.Set(bad); err == nil {
			t.Errorf("Set(%q): no error", bad)
		}
	}
}

// `bench-scale discovery` refuses stray arguments and bad values (exit 2 or 1) and runs nothing;
// --help exits 0.
func TestDiscoveryCommandLine(t *testing.T) {
	for _, args := range [][]string{{"discovery", "extra"}, {"discovery", "--tasks", "0"}, {"discovery", "--discover-interval", "x"}} {
		var stderr strings.Builder
		if code := realMain(context.Background(), args, strings.NewReader(""), io.Discard, &stderr); code == 0 {
			t.Errorf("%q: exit 0, want a refusal; stderr %q", args, stderr.String())
		}
	}
	var stderr strings.Builder
	if code := realMain(context.Background(), []string{"discovery", "--help"}, strings.NewReader(""), io.Discard, &stderr); code != 0 {
		t.Errorf("--help: exit %d, want 0", code)
	}
	if !strings.Contains(stderr.String(), "--discover-interval") || !strings.Contains(stderr.String(), "without registering") {
		t.Errorf("--help does not describe the flags:\n%s", stderr.String())
	}
}
