package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestParseConfigDefaults(t *testing.T) {
	cfg, err := parseConfig(nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:8080" || cfg.TimeScale != 1 || len(cfg.AccessKeys) != 1 || cfg.AccessKeys[0].ID != "test-ak" {
		t.Errorf("defaults %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseConfigFlagsAndEnv(t *testing.T) {
	cfg, err := parseConfig(
		[]string{"--addr", "0.0.0.0:9000", "--quota", "DescribeTaskAttribute=20,ExportImage=5", "--latency", "50ms"},
		env(map[string]string{
			"ECSEMU_ADDR":          "0.0.0.0:1", // the flag wins
			"ECSEMU_ACCESS_KEYS":   "a:b, c:d:tok",
			"ECSEMU_TIME_SCALE":    "1200",
			"ECSEMU_THROTTLE_RATE": "0.25",
			"ECSEMU_DURATIONS":     "ExportImage=2s/1m",
			"ECSEMU_FAILURE_RATE":  "ImportImage=0.5",
			"ECSEMU_LOG_LEVEL":     "debug",
		}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "0.0.0.0:9000" {
		t.Errorf("Addr = %q, want the flag's", cfg.Addr)
	}
	if len(cfg.AccessKeys) != 2 || cfg.AccessKeys[1] != (AccessKey{"c", "d", "tok"}) {
		t.Errorf("AccessKeys = %+v", cfg.AccessKeys)
	}
	if cfg.TimeScale != 1200 || cfg.Faults.Throttle != 0.25 || cfg.Faults.Latency != 50*time.Millisecond {
		t.Errorf("scale/faults %+v", cfg)
	}
	if cfg.Quotas["DescribeTaskAttribute"] != 20 || cfg.Quotas["ExportImage"] != 5 || cfg.FailureRate["ImportImage"] != 0.5 {
		t.Errorf("quotas %v failure %v", cfg.Quotas, cfg.FailureRate)
	}
	if cfg.Durations["ExportImage"] != [2]time.Duration{2 * time.Second, time.Minute} {
		t.Errorf("durations %v", cfg.Durations)
	}
	if cfg.LogLevel.String() != "debug" {
		t.Errorf("log level %v", cfg.LogLevel)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		env  map[string]string
	}{
		"bad key":         {args: []string{"--access-keys", "nosecret"}},
		"bad quota":       {args: []string{"--quota", "DescribeTasks"}},
		"bad number env":  {env: map[string]string{"ECSEMU_TIME_SCALE": "fast"}},
		"bad durations":   {args: []string{"--durations", "ExportImage=1m"}},
		"bad level":       {args: []string{"--log-level", "loud"}},
		"unknown flag":    {args: []string{"--nope"}},
		"extra arguments": {args: []string{"serve"}},
	} {
		if _, err := parseConfig(tc.args, env(tc.env), io.Discard); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for name, args := range map[string][]string{
		"zero scale":  {"--time-scale", "0"},
		"rates > 1":   {"--throttle-rate", "0.6", "--internal-rate", "0.6"},
		"rate < 0":    {"--drop-rate", "-1"},
		"zero quota":  {"--quota", "DescribeTasks=0"},
		"fail rate 2": {"--failure-rate", "ExportImage=2"},
		"no keys":     {"--access-keys", ""},
	} {
		cfg, err := parseConfig(args, env(nil), io.Discard)
		if err != nil {
			t.Errorf("%s: parse: %v", name, err)
			continue
		}
		if err := cfg.Validate(); err == nil {
			t.Errorf("%s: Validate accepted %+v", name, cfg)
		}
	}
}

func TestHelpListsEveryFlagWithEnvAndDefault(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"--addr", "ECSEMU_ADDR", `default "127.0.0.1:8080"`, "--access-keys", "--time-scale",
		"--throttle-rate", "--unavailable-rate", "--internal-rate", "--bad-gateway-rate", "--drop-rate", "--latency",
		"--quota", "--log-level", "ECSEMU_BAD_GATEWAY_RATE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q", want)
		}
	}
}
