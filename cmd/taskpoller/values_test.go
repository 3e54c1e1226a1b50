package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// flagSets are the commands whose numeric flags are checked when set; each comes with
// arguments that make its Validate fail, so that a value the parser wrongly accepts never
// runs anything (it exits 1 instead of 2).
var flagSets = map[string]struct {
	flags  func() *flag.FlagSet
	poison []string
}{
	"run":      {func() *flag.FlagSet { var c runConfig; return c.flags() }, []string{"--nats-listen", "no-port"}},
	"demo":     {func() *flag.FlagSet { var c demoConfig; return c.flags() }, []string{"--log-level", "nope"}},
	"register": {func() *flag.FlagSet { var c registerConfig; return c.flags() }, []string{"--region", "bad region"}},
	"cancel":   {func() *flag.FlagSet { var c cancelConfig; return c.flags() }, []string{"--region", "bad region"}},
	"status":   {func() *flag.FlagSet { var c statusConfig; return c.flags() }, []string{"--region", "bad region"}},
	"tasks":    {func() *flag.FlagSet { var c tasksConfig; return c.flags() }, []string{"--active", "--failed"}},
}

// plainNumeric are numeric flags that stay plain flag values: their Validate refuses what
// cannot work (negative), and 0 has the meaning their help gives.
var plainNumeric = map[string]bool{"run --poll-jitter": true}

// A numeric or duration flag set explicitly to 0 (where 0 means nothing) or to a negative is
// refused with exit 2, on the command line and in its TASKPOLLER_* variable, naming the flag
// and the value. They used to become the defaults without a word (--concurrency 0, --api-qps
// 0, --poll-initial 0, --task-timeout 0, --max-tracked 0, ...).
func TestExplicitInvalidNumbersAreRefused(t *testing.T) {
	checked := 0
	for cmd, set := range flagSets {
		set.flags().VisitAll(func(f *flag.Flag) {
			var zeroOK bool
			negative := "-1"
			switch v := f.Value.(type) {
			case *bounded[time.Duration]:
				zeroOK, negative = v.zeroOK, "-1s"
			case *bounded[int]:
				zeroOK = v.zeroOK
			case *bounded[float64]:
				zeroOK = v.zeroOK
			default:
				switch fmt.Sprintf("%T", f.Value) {
				case "*flag.durationValue", "*flag.intValue", "*flag.int64Value", "*flag.uintValue", "*flag.uint64Value", "*flag.float64Value":
					if !plainNumeric[cmd+" --"+f.Name] {
						t.Errorf("%s --%s is a plain numeric flag: an explicit 0 or negative would pass unchecked", cmd, f.Name)
					}
				}
				return
			}
			checked++
			bad := []string{negative, "NaN"}
			if !zeroOK {
				bad = append(bad, "0")
			}
			for _, val := range bad {
				t.Run(fmt.Sprintf("%s --%s %s", cmd, f.Name, val), func(t *testing.T) {
					var stderr bytes.Buffer
					code := realMain(context.Background(), append([]string{cmd, "--" + f.Name, val}, set.poison...), io.Discard, &stderr)
					if want := fmt.Sprintf("invalid value %q for flag -%s", val, f.Name); code != 2 || !strings.Contains(stderr.String(), want) {
						t.Errorf("exit %d, stderr %q; want exit 2 saying %q", code, firstLine(stderr.String()), want)
					}
					stderr.Reset()
					t.Setenv(envName(f.Name), val)
					code = realMain(context.Background(), append([]string{cmd}, set.poison...), io.Discard, &stderr)
					if want := fmt.Sprintf("%s=%q", envName(f.Name), val); code != 2 || !strings.Contains(stderr.String(), want) {
						t.Errorf("%s=%s: exit %d, stderr %q; want exit 2 saying %q", envName(f.Name), val, code, firstLine(stderr.String()), want)
					}
				})
			}
			if zeroOK { // 0 has a meaning: accepted (the poison makes Validate fail: exit 1)
				var stderr bytes.Buffer
				if code := realMain(context.Background(), append([]string{cmd, "--" + f.Name, "0"}, set.poison...), io.Discard, &stderr); code != 1 {
					t.Errorf("%s --%s 0: exit %d (%s), want it accepted", cmd, f.Name, code, firstLine(stderr.String()))
				}
			}
		})
	}
	if checked < 20 {
		t.Errorf("only %d checked flags; the test lost its subject", checked)
	}
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// Where 0 has a documented meaning, an explicit 0 keeps it and is not turned into the
// default; unset flags keep their defaults.
func TestZeroMeaningsAndDefaults(t *testing.T) {
	tests := []struct {
		args  []string
		check func(c runConfig) string
	}{
		{nil, func(c runConfig) string {
			p := c.poll()
			if p.PollInitial != 5*time.Second || p.Concurrency != 16 || p.APIQPS != 10 || p.MaxTracked != 100000 || p.TaskTimeout != 24*time.Hour ||
				p.BatchInterval != 500*time.Millisecond || p.NotFoundGrace != 30*time.Second || p.APIBurst != 10 {
				return fmt.Sprintf("defaults: %+v", p)
			}
			return ""
		}},
		{[]string{"--batch-interval", "0"}, func(c runConfig) string {
			if p := c.poll(); p.BatchInterval >= 0 {
				return fmt.Sprintf("BatchInterval = %s, want negative (per-task polling only)", p.BatchInterval)
			}
			return ""
		}},
		{[]string{"--not-found-grace", "0"}, func(c runConfig) string {
			if p := c.poll(); p.NotFoundGrace >= 0 {
				return fmt.Sprintf("NotFoundGrace = %s, want negative (none)", p.NotFoundGrace)
			}
			return ""
		}},
		{[]string{"--api-burst", "0", "--api-qps", "4"}, func(c runConfig) string {
			if p := c.poll(); p.APIBurst != 4 {
				return fmt.Sprintf("APIBurst = %d, want --api-qps, 4", p.APIBurst)
			}
			return ""
		}},
	}
	for _, tt := range tests {
		var c runConfig
		if err := parse(c.flags(), tt.args, io.Discard); err != nil {
			t.Fatalf("%v: %v", tt.args, err)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%v: %v", tt.args, err)
		}
		if msg := tt.check(c); msg != "" {
			t.Errorf("%v: %s", tt.args, msg)
		}
	}
}
