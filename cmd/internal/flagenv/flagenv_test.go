package flagenv

import (
	"flag"
	"strings"
	"testing"
	"time"
)

func TestCommandLineBeatsEnvironmentBeatsDefault(t *testing.T) {
	env := map[string]string{"X_POLL_MAX": "2m", "X_API_QPS": "7", "X_BAD": "nope"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	pollMax := fs.Duration("poll-max", time.Minute, "")
	qps := fs.Float64("api-qps", 10, "")
	name := fs.String("name", "def", "")
	if err := Parse(fs, []string{"--api-qps", "3"}, "X_", lookup); err != nil {
		t.Fatal(err)
	}
	if *pollMax != 2*time.Minute || *qps != 3 || *name != "def" {
		t.Errorf("got %s %g %s; want 2m0s (env) 3 (flag) def (default)", *pollMax, *qps, *name)
	}
	fs2 := flag.NewFlagSet("t", flag.ContinueOnError)
	fs2.Int("bad", 1, "")
	if err := Parse(fs2, nil, "X_", lookup); err == nil || !strings.Contains(err.Error(), "X_BAD") {
		t.Errorf("bad env value: err = %v", err)
	}
	if err := Parse(flag.NewFlagSet("t", flag.ContinueOnError), []string{"extra"}, "X_", lookup); err == nil {
		t.Error("positional argument accepted")
	}
}
