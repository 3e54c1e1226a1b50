package main

import (
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// The discovery flags, from the command line or the environment, become the worker's
// Config.Discover; a region or action that cannot be listed is a bad command line (exit 2),
// settings that cannot work are refused by Validate.
func TestDiscoverFlags(t *testing.T) {
	tests := []struct {
		args     []string
		env      map[string]string
		usage    bool   // refused by the parser
		invalid  string // refused by Validate, saying this
		regions  []string
		actions  []string
		interval time.Duration
		lookback time.Duration
	}{
		{args: nil, interval: 30 * time.Second, lookback: 24 * time.Hour},
		{args: []string{"--discover-regions", "cn-hangzhou,cn-shanghai"}, regions: []string{"cn-hangzhou", "cn-shanghai"}, interval: 30 * time.Second, lookback: 24 * time.Hour},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-regions", "ap-southeast-1", "--discover-actions", "ExportImage, ImportImage",
			"--discover-interval", "10s", "--discover-lookback", "2h"},
			regions: []string{"cn-hangzhou", "ap-southeast-1"}, actions: []string{"ExportImage", "ImportImage"}, interval: 10 * time.Second, lookback: 2 * time.Hour},
		{env: map[string]string{"TASKPOLLER_DISCOVER_REGIONS": "cn-beijing", "TASKPOLLER_DISCOVER_INTERVAL": "5s"},
			regions: []string{"cn-beijing"}, interval: 5 * time.Second, lookback: 24 * time.Hour},
		{args: []string{"--discover-regions", "Hangzhou"}, usage: true},
		{args: []string{"--discover-regions", "cn-hangzhou,cn-hangzhou"}, usage: true},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-actions", "CopyImage"}, usage: true},
		{args: []string{"--discover-interval", "0s"}, usage: true},
		{env: map[string]string{"TASKPOLLER_DISCOVER_REGIONS": "cn hangzhou"}, usage: true},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-interval", "500ms"}, invalid: "--discover-interval must be at least 1s"},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-interval", "1m", "--discover-lookback", "1m"}, invalid: "must be longer than --discover-interval"},
		{args: []string{"--discover-actions", "ExportImage"}, invalid: "without --discover-regions"},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-lookback", "200h"}, invalid: "must not exceed --events-max-age"},
		{args: []string{"--discover-regions", "cn-hangzhou", "--discover-lookback", "200h", "--events-max-age", "300h", "--state-ttl", "400h"},
			regions: []string{"cn-hangzhou"}, interval: 30 * time.Second, lookback: 200 * time.Hour},
	}
	for _, tt := range tests {
		for k, v := range tt.env {
			t.Setenv(k, v)
		}
		var c runConfig
		err := parse(c.flags(), tt.args, io.Discard)
		for k := range tt.env {
			os.Unsetenv(k) // t.Setenv restores it when the test ends
		}
		name := strings.Join(tt.args, " ") + " " + strings.Join(mapKeys(tt.env), " ")
		if tt.usage {
			if err == nil {
				t.Errorf("%s: accepted by the parser", name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		verr := c.Validate()
		switch {
		case tt.invalid == "" && verr != nil:
			t.Errorf("%s: %v", name, verr)
		case tt.invalid != "" && (verr == nil || !strings.Contains(verr.Error(), tt.invalid)):
			t.Errorf("%s: Validate = %v, want it to say %q", name, verr, tt.invalid)
		}
		if tt.invalid != "" {
			continue
		}
		d := c.Discover.config()
		if !slices.Equal(d.Regions, tt.regions) || !slices.Equal(d.Actions, tt.actions) || d.Interval != tt.interval || d.Lookback != tt.lookback {
			t.Errorf("%s: Discover = %+v, want regions %v actions %v interval %s lookback %s", name, d, tt.regions, tt.actions, tt.interval, tt.lookback)
		}
	}
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// `taskpoller run --help` documents the discovery flags with their variables and defaults, and
// the binary refuses a region that is no region id as a bad command line.
func TestDiscoverFlagsInTheBinary(t *testing.T) {
	out, code := cli(t, nil, "run", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"--discover-regions [TASKPOLLER_DISCOVER_REGIONS]", "--discover-actions [TASKPOLLER_DISCOVER_ACTIONS]",
		"--discover-interval [TASKPOLLER_DISCOVER_INTERVAL] (default 30s)", "--discover-lookback [TASKPOLLER_DISCOVER_LOOKBACK] (default 24h0m0s)",
		"ecs:DescribeTasks"} {
		if !strings.Contains(out, want) {
			t.Errorf("run --help lacks %q", want)
		}
	}
	if out, code := cli(t, []string{"TASKPOLLER_DISCOVER_REGIONS=Hangzhou"}, "run"); code != 2 || !strings.Contains(out, "TASKPOLLER_DISCOVER_REGIONS") {
		t.Errorf("a bad region in the environment: exit %d, %q; want exit 2 naming the variable", code, out)
	}
}
