package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// timeoutErr is what net/http returns when http.Client.Timeout runs out.
type timeoutErr struct{}

func (timeoutErr) Error() string { return "Client.Timeout exceeded while awaiting headers" }
func (timeoutErr) Timeout() bool { return true }

// reachOf counts as unanswered only what never reached ECS's answer logic: refused or timed-out
// connections, 5xx, bodies that are not JSON. Every error answer below 500 is an answer.
func TestReachOf(t *testing.T) {
	api := func(code string, status int) error { return &APIError{Code: code, StatusCode: status} }
	var syntax *json.SyntaxError
	if err := json.Unmarshal([]byte("<html>"), &struct{}{}); !errors.As(err, &syntax) {
		t.Fatal("no syntax error")
	}
	for _, tt := range []struct {
		err      error
		answered bool
		failure  string
	}{
		{nil, true, ""},
		{refusedErr(), false, "ConnectionError"},
		{&url.Error{Op: "Post", URL: "http://x", Err: timeoutErr{}}, false, "Timeout"},
		{&url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}, false, "Timeout"},
		{fmt.Errorf("call: %w", syntax), false, "BadResponseBody"},
		{api("ServiceUnavailable", 503), false, "HTTP 503"},
		{api("HTTP502", 502), false, "HTTP 502"},
		{api("InternalError", 500), false, "HTTP 500"},
		{api("Throttling.User", 400), true, ""},
		{api("SignatureDoesNotMatch", 400), true, ""},
		{api("Forbidden.RAM", 403), true, ""},
		{api("InvalidTaskId.NotFound", 404), true, ""},
		{&APIError{Code: "ClientError", Cause: ErrNoCredentials}, false, ""}, // never sent
		{api("EmptyResponse", 0), false, ""},
		{fmt.Errorf("ecs call: %w", context.Canceled), false, ""},
	} {
		answered, failure := reachOf(tt.err)
		if answered != tt.answered || failure != tt.failure {
			t.Errorf("reachOf(%v) = %v %q, want %v %q", tt.err, answered, failure, tt.answered, tt.failure)
		}
	}
}

func newTestReach(after time.Duration) (*reach, *observer.ObservedLogs, *prometheus.GaugeVec) {
	core, logs := observer.New(zap.InfoLevel)
	gauge := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "g"}, []string{"region"})
	r := newReach(zap.New(core), after, gauge, func(string) string { return "ecs.example:443" })
	return r, logs, gauge
}

// A region is unreachable once its failures span the threshold and number at least three;
// the warning is logged once, repeated each minute, and followed by one line when it ends.
func TestReachDeclaresRemindsAndEnds(t *testing.T) {
	r, logs, gauge := newTestReach(30 * time.Second)
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	all := func(string) bool { return true }
	for _, d := range []time.Duration{0, 10 * time.Second, 20 * time.Second, 29 * time.Second} {
		r.failed("cn-hangzhou", "ConnectionError", "127.0.0.1:1", "Post 127.0.0.1:1: connection refused", at(d), at(d+time.Second/2))
		r.tick(at(d+time.Second/2), all)
	}
	if got := r.describe(at(29 * time.Second)); got != "" {
		t.Fatalf("unreachable after 29 s: %q", got)
	}
	r.tick(at(30*time.Second), all)
	want := "cn-hangzhou at 127.0.0.1:1: ConnectionError for 30s, 4 calls"
	if got := r.describe(at(30 * time.Second)); got != want {
		t.Fatalf("describe = %q, want %q", got, want)
	}
	if got := testutil.ToFloat64(gauge.WithLabelValues("cn-hangzhou")); got != 1 {
		t.Errorf("gauge = %g, want 1", got)
	}
	start := logs.FilterMessageSnippet("ECS is unreachable").All()
	if len(start) != 1 {
		t.Fatalf("%d start warnings, want 1", len(start))
	}
	f := start[0].ContextMap()
	if start[0].Level != zap.WarnLevel || f["region_id"] != "cn-hangzhou" || f["endpoint"] != "127.0.0.1:1" ||
		f["failure"] != "ConnectionError" || !strings.Contains(f["error"].(string), "connection refused") {
		t.Errorf("start warning %s %v", start[0].Level, f)
	}
	// Every second for three more minutes, failing now and then: a reminder each minute.
	for s := 31; s <= 210; s++ {
		if s%20 == 0 {
			r.failed("cn-hangzhou", "Timeout", "", "Post 127.0.0.1:1: timeout", at(time.Duration(s-10)*time.Second), at(time.Duration(s)*time.Second))
		}
		r.tick(at(time.Duration(s)*time.Second), all)
	}
	if n := logs.FilterMessageSnippet("still unreachable").Len(); n != 3 {
		t.Errorf("%d reminders in 3 minutes, want 3", n)
	}
	if n := logs.FilterMessageSnippet("ECS is unreachable").Len(); n != 1 {
		t.Errorf("%d start warnings, want 1", n)
	}
	r.answered("cn-hangzhou", at(215*time.Second))
	end := logs.FilterMessageSnippet("answers again").All()
	if len(end) != 1 || end[0].Level != zap.InfoLevel || end[0].ContextMap()["lasted"] != 215*time.Second {
		t.Fatalf("end lines %v", end)
	}
	if got := r.describe(at(215 * time.Second)); got != "" {
		t.Errorf("still unreachable after an answer: %q", got)
	}
	if n := testutil.CollectAndCount(gauge); n != 0 {
		t.Errorf("%d gauge series after the end, want 0", n)
	}
}

// Fewer than three failures, or a run an answer cut short, is no outage; a region that no
// tracked task is in is forgotten.
func TestReachIgnoresBlipsAndForgets(t *testing.T) {
	r, logs, gauge := newTestReach(30 * time.Second)
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	all := func(string) bool { return true }
	// Two failures a minute apart: a long backoff, not an outage, however long ago.
	r.failed("a", "Timeout", "", "x", at(0), at(10))
	r.failed("a", "Timeout", "", "x", at(60), at(70))
	// Failures for 25 s, an answer, failures for 25 s again.
	for s := 0; s <= 25; s += 5 {
		r.failed("b", "HTTP 503", "", "x", at(s), at(s))
	}
	r.answered("b", at(26))
	for s := 27; s <= 52; s += 5 {
		r.failed("b", "HTTP 503", "", "x", at(s), at(s))
	}
	r.tick(at(52), all)
	if got := r.describe(at(52)); got != "" {
		t.Fatalf("describe = %q, want none", got)
	}
	r.tick(at(80), all) // no answer since 27 s: now it is an outage
	if n := logs.FilterMessageSnippet("ECS is unreachable").Len(); n != 1 {
		t.Errorf("%d start warnings, want 1 (for b only)", n)
	}
	r.failed("b", "HTTP 503", "", "x", at(80), at(81))
	if got := r.describe(at(81)); !strings.HasPrefix(got, "b at ecs.example:443: HTTP 503 for 54s") {
		t.Fatalf("describe = %q, want b unreachable since 27 s, at the client's endpoint", got)
	}
	r.tick(at(82), func(region string) bool { return region != "b" })
	if got := r.describe(at(82)); got != "" {
		t.Errorf("describe = %q after b's tasks left", got)
	}
	if n := logs.FilterMessageSnippet("no longer watching").Len(); n != 1 {
		t.Errorf("%d lines on forgetting b, want 1", n)
	}
	if n := testutil.CollectAndCount(gauge); n != 0 {
		t.Errorf("%d gauge series, want 0", n)
	}
}

// A call sent before the region's latest answer that fails after it (it timed out while a
// later call was answered) opens a run dated from that answer, not from its own send. Before,
// a region was so declared unreachable up to a call timeout early, while ECS had answered
// less than UnreachableAfter ago.
func TestReachRunBeginsAfterTheLatestAnswer(t *testing.T) {
	r, logs, _ := newTestReach(30 * time.Second)
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	all := func(string) bool { return true }
	r.answered("a", at(2))                           // a call sent at 1 is answered
	r.failed("a", "Timeout", "", "x", at(0), at(10)) // one sent at 0 times out after it
	for s := 12; s <= 30; s += 6 {
		r.failed("a", "Timeout", "", "x", at(s-1), at(s))
		r.tick(at(s), all)
	}
	r.tick(at(31), all)
	if got := r.describe(at(31)); got != "" {
		t.Fatalf("unreachable 29 s after ECS answered: %q", got)
	}
	r.failed("a", "Timeout", "", "x", at(32), at(33))
	r.tick(at(33), all)
	if got := r.describe(at(33)); got != "a at ecs.example:443: Timeout for 31s, 6 calls" {
		t.Fatalf("describe = %q, want a unreachable since its latest answer (at 2 s)", got)
	}
	if n := logs.FilterMessageSnippet("ECS is unreachable").Len(); n != 1 {
		t.Errorf("%d start warnings, want 1", n)
	}
}
