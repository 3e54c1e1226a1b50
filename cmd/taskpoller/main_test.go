package main

import (
	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"

	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// binary is the taskpoller binary built for the black-box tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "taskpoller-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "taskpoller")
	// Trust the ECS emulator's test certificate (read once, by crypto/x509): credentials-go
	// calls STS over HTTPS only, and the accounts test assumes a role at the emulator.
	cert, err := ecsemu.WriteTestCertificate(dir)
	if err == nil {
		err = os.Setenv("SSL_CERT_FILE", cert)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build taskpoller: %v\n%s", err, out)
		os.Exit(1)
	}
	code := 0
	func() {
		defer os.RemoveAll(dir)
		code = m.Run()
		if code == 0 {
			if err := goleak.Find(goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
				goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
				goleak.IgnoreTopFunction("internal/poll.runtime_pollWait")); err != nil {
				fmt.Fprintln(os.Stderr, "goleak:", err)
				code = 1
			}
		}
	}()
	os.Exit(code)
}

// cli runs the binary to completion and returns its output and exit code.
func cli(t *testing.T, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.CommandContext(context.Background(), binary, args...)
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), code
}

func TestHelpDocumentsEveryFlagWithItsEnvironmentVariable(t *testing.T) {
	out, code := cli(t, nil, "run", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, f := range []string{"nats-url", "nats-creds", "nats-nkey", "nats-tls-ca", "nats-tls-cert", "nats-tls-key", "data-dir",
		"ecs-endpoint", "subject-prefix", "poll-initial", "poll-max", "poll-multiplier", "poll-jitter", "task-timeout", "hand-back-after", "stall-after", "events-max-age",
		"not-found-grace", "api-qps", "api-burst", "http-addr", "log-level", "log-format", "ack-wait", "cancel-on-timeout"} {
		if !strings.Contains(out, "--"+f+" ["+envName(f)+"]") {
			t.Errorf("run --help lacks --%s [%s]", f, envName(f))
		}
	}
	for _, want := range []string{"(default 5s)", "(default 1m0s)", "(default 1.5)", "(default 0.2)", "(default 24h0m0s)", "(default 30s)", "(default :9090)", "(default ecs.tasks)"} {
		if !strings.Contains(out, want) {
			t.Errorf("run --help lacks %s", want)
		}
	}
	for _, sub := range []string{"register", "watch", "demo", "tasks", "status", "cancel"} {
		if _, code := cli(t, nil, sub, "--help"); code != 0 {
			t.Errorf("%s --help: exit %d", sub, code)
		}
	}
	usage, _ := cli(t, nil, "--help")
	for _, sub := range []string{"run", "register", "watch", "demo", "schema", "asyncapi", "tasks", "status", "cancel"} {
		if !strings.Contains(usage, "taskpoller "+sub+" ") {
			t.Errorf("usage lacks %s:\n%s", sub, usage)
		}
	}
	for sub, flags := range map[string][]string{
		"tasks":  {"nats-url", "subject-prefix", "active", "failed", "since", "json"},
		"status": {"nats-url", "subject-prefix", "region", "task", "json"},
		"cancel": {"ecs-endpoint", "region", "task", "api-timeout"},
	} {
		out, _ := cli(t, nil, sub, "--help")
		for _, f := range flags {
			if !strings.Contains(out, "--"+f+" ["+envName(f)+"]") {
				t.Errorf("%s --help lacks --%s", sub, f)
			}
		}
	}
}

func TestBadCommandLines(t *testing.T) {
	tests := []struct {
		env  []string
		args []string
		code int
		say  string
	}{
		{nil, []string{}, 2, "Usage"},
		{nil, []string{"nope"}, 2, "unknown command"},
		{nil, []string{"run", "--no-such-flag"}, 2, "not defined"},
		{nil, []string{"run", "--poll-initial", "10s", "--poll-max", "5s"}, 1, "poll max"},
		{[]string{"TASKPOLLER_POLL_JITTER=2"}, []string{"run"}, 1, "jitter"},
		{nil, []string{"run", "--poll-jitter", "-0.1"}, 1, "--poll-jitter must not be negative"},
		{[]string{"TASKPOLLER_SUBJECT_PREFIX=a.*"}, []string{"run"}, 1, "subject-prefix"},
		{nil, []string{"register", "--region", "cn-hangzhou", "--task", "t-a.b"}, 1, "task_id"},
		{nil, []string{"register", "--region", "cn-hangzhou", "--task", "t-abc", "--meta", "novalue"}, 1, "key=value"},
		{nil, []string{"tasks", "--active", "--failed"}, 1, "exclude each other"},
		{nil, []string{"tasks", "--since", "-1h"}, 2, `invalid value "-1h" for flag -since: must not be negative`},
		{nil, []string{"status", "--timeout", "0s"}, 2, `invalid value "0s" for flag -timeout: must be positive`},
		{nil, []string{"status", "--region", "cn-hangzhou"}, 1, "task_id is missing"},
		{nil, []string{"cancel", "--region", "cn-hangzhou", "--task", "t-a.b"}, 1, "task_id"},
		{nil, []string{"cancel", "--region", "cn-hangzhou", "--task", "t-abc", "--ecs-endpoint", "127.0.0.1:1"}, 1, "ecs endpoint"},
		{nil, []string{"tasks", "--nats-url", "nats://127.0.0.1:1", "--timeout", "1s"}, 1, "taskpoller tasks:"},
	}
	for _, tt := range tests {
		out, code := cli(t, tt.env, tt.args...)
		if code != tt.code || !strings.Contains(out, tt.say) {
			t.Errorf("%v %v: exit %d, output %q; want exit %d saying %q", tt.env, tt.args, code, out, tt.code, tt.say)
		}
	}
}
