package main

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestFinishSpanSet(t *testing.T) {
	for _, tc := range []struct {
		in       string
		min, max time.Duration
		err      bool
	}{
		{"10s-60s", 10 * time.Second, time.Minute, false},
		{"1m-2m", time.Minute, 2 * time.Minute, false},
		{" 30s - 30s ", 30 * time.Second, 30 * time.Second, false},
		{"45s", 45 * time.Second, 45 * time.Second, false},
		{"60s-10s", 0, 0, true},
		{"0s-10s", 0, 0, true},
		{"10-60", 0, 0, true},
		{"", 0, 0, true},
	} {
		var f finishSpan
		err := f.Set(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("Set(%q) error = %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if !tc.err && (f.Min != tc.min || f.Max != tc.max) {
			t.Errorf("Set(%q) = %s..%s, want %s..%s", tc.in, f.Min, f.Max, tc.min, tc.max)
		}
	}
}

func TestFinishSpanString(t *testing.T) {
	for _, tc := range []struct {
		f    finishSpan
		want string
	}{
		{finishSpan{10 * time.Second, time.Minute}, "10s-1m"},
		{finishSpan{time.Minute, 2 * time.Minute}, "1m-2m"},
		{finishSpan{90 * time.Second, 2 * time.Hour}, "1m30s-2h"},
		{finishSpan{500 * time.Millisecond, 61 * time.Minute}, "500ms-1h1m"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestSizesSet(t *testing.T) {
	var s sizesFlag
	if err := s.Set("2000, 20k,100000"); err != nil {
		t.Fatal(err)
	}
	if want := []int{2000, 20000, 100000}; !slices.Equal(s, want) {
		t.Errorf("got %v, want %v", s, want)
	}
	for _, bad := range []string{"", "0", "-5", "2000,x", "1.5k"} {
		if err := s.Set(bad); err == nil {
			t.Errorf("Set(%q): no error", bad)
		}
	}
}

func TestConfigFlagsAndValidate(t *testing.T) {
	var cfg Config
	fs := cfg.flags()
	if err := parse(fs, []string{"--tasks", "100", "--pollers", "naive", "--taskpoller-args", "--batch-interval 1s  --concurrency 8"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	for _, ok := range []string{"220MiB", "1GiB", "230686720", "off"} {
		if !validMemLimit(ok) {
			t.Errorf("GOMEMLIMIT %q refused", ok)
		}
	}
	if want := []string{"--batch-interval", "1s", "--concurrency", "8"}; !slices.Equal(cfg.TaskpollerArgs, want) {
		t.Errorf("taskpoller args %q, want %q", cfg.TaskpollerArgs, want)
	}
	if cfg.Finish != (finishSpan{10 * time.Second, time.Minute}) || cfg.Backoff.Initial != 5*time.Second || cfg.Quota != 200 {
		t.Errorf("defaults: %+v", cfg)
	}

	bad := cfg
	bad.Pollers = []string{"naive", "naive", "smart"}
	bad.Quota = 0
	bad.Backoff.Max = time.Second
	bad.GoMemLimit = "200MB" // the runtime wants MiB
	err := bad.Validate()
	for _, want := range []string{"named twice", `unknown poller "smart"`, "--quota", "--poll-max", "--worker-gomemlimit"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %q", err, want)
		}
	}
}

func TestWorkerArgsExtraFlagsComeLast(t *testing.T) {
	cfg := Config{Quota: 200, Backoff: backoffConfig{Initial: time.Second, Max: 2 * time.Second, Multiplier: 2}, TaskpollerArgs: []string{"--max-tracked", "5"}}
	args := workerArgs(cfg, 20000, "nats://n", "http://e", "127.0.0.1:1")
	joined := strings.Join(args, " ")
	if !strings.Contains(joined, "--max-tracked 20000") || !strings.HasSuffix(joined, "--max-tracked 5") {
		t.Errorf("args %q: want the harness's --max-tracked 20000 first and the extra --max-tracked 5 last", joined)
	}
	if !strings.Contains(joined, "--poll-initial 1s --poll-max 2s --poll-multiplier 2 --poll-jitter 0") {
		t.Errorf("args %q: want the backoff flags", joined)
	}
}

// `bench-scale ownership` parses like the benchmark: stray arguments and bad values are usage
// errors (exit 2), and nothing runs.
func TestOwnershipCommandLine(t *testing.T) {
	for _, args := range [][]string{{"ownership", "extra"}, {"ownership", "--hold", "0s"}, {"ownership", "--tasks", "x"}} {
		var stderr strings.Builder
		code := realMain(context.Background(), args, strings.NewReader(""), io.Discard, &stderr)
		if code == 0 {
			t.Errorf("%q: exit 0, want a refusal; stderr %q", args, stderr.String())
		}
	}
	var cfg ownershipConfig
	if err := parse(cfg.flags(), []string{"--tasks", "10k,100k", "--taskpoller-args", "--concurrency 8"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Sizes, []int{10000, 100000}) || !slices.Equal(cfg.Args, []string{"--concurrency", "8"}) || cfg.Validate() != nil {
		t.Errorf("parsed %+v", cfg)
	}
}
