package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The demo creates one task it never registers: the worker's discovery finds it, and the
// demo shows it discovered and ended with the others.
func TestDemoShowsADiscoveredTask(t *testing.T) {
	var cfg demoConfig
	if err := parse(cfg.flags(), []string{"--plain", "--time-scale", "200", "--fault-rate", "0", "--nats-listen", "127.0.0.1:-1", "--timeout", "1m"}, io.Discard); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out bytes.Buffer
	if err := demo(ctx, cfg, &out, io.Discard); err != nil {
		t.Fatalf("demo: %v\n%s", err, out.String())
	}
	text := out.String()
	_, summary, ok := strings.Cut(text, "Every task reached its terminal event")
	if !ok {
		t.Fatalf("no summary:\n%s", text)
	}
	// The others are registered as soon as they are created, before discovery can list them
	// (almost always: a listing between the two makes one discovered, which is no error).
	var found bool
	for line := range strings.SplitSeq(summary, "\n") {
		if strings.Contains(line, "oss://demo-images/console_") {
			found = true
			if !strings.Contains(line, "✔ finished") || !strings.Contains(line, "(discovered: never registered)") {
				t.Errorf("the task the demo never registered did not end discovered: %q", line)
			}
		}
	}
	if !found {
		t.Errorf("the summary has no task the demo never registered:\n%s", summary)
	}
	if !strings.Contains(text, "registered 6 of them") || !strings.Contains(text, "1 is left for discovery") {
		t.Errorf("the header does not say one task is left for discovery:\n%s", text)
	}
	checkDemoShowsTheWorker(t, text, summary)
}

// checkDemoShowsTheWorker: the header names both kinds of ECS reads and the way to keep the
// demo running; the summary counts batch checks, detail reads and listings apart, each
// non-zero; the event lines are in time order.
func checkDemoShowsTheWorker(t *testing.T, text, summary string) {
	t.Helper()
	head, _, _ := strings.Cut(text, "Created ")
	for _, want := range []string{"DescribeTasks (batch checks)", "DescribeTaskAttribute", "--keep", "make demo DEMO_ARGS=--keep"} {
		if !strings.Contains(head, want) {
			t.Errorf("the header does not say %q:\n%s", want, head)
		}
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`[1-9]\d* DescribeTasks batch checks`),
		regexp.MustCompile(`[1-9]\d* DescribeTaskAttribute detail reads`),
		regexp.MustCompile(`[1-9]\d* DescribeTasks listings \(discovery\)`),
	} {
		if !want.MatchString(summary) {
			t.Errorf("the summary does not match %s:\n%s", want, summary)
		}
	}
	line := regexp.MustCompile(`^  (\d\d:\d\d:\d\d\.\d\d\d)  t-`)
	last, n := "", 0
	for l := range strings.SplitSeq(text, "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n++
		if m[1] < last && !(last >= "23:59" && m[1] < "00:01") { // (a run across midnight starts again)
			t.Errorf("event line at %s after one at %s: not in time order:\n%s", m[1], last, l)
		}
		last = max(last, m[1])
	}
	if n < 7 {
		t.Errorf("only %d event lines", n)
	}
}
