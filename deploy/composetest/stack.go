package composetest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Stack drives one compose project of deploy/docker-compose.yml from the outside, for a test
// whose package directory sits beside that file (deploy/composetest, deploy/chaos).
type Stack struct {
	t       testing.TB
	compose []string // "docker compose" or "docker-compose", split
	project string
	file    string
	env     []string
}

// NewStack drives project with the environment of this process plus env (the variables
// docker-compose.yml reads). COMPOSE names the compose command; by default "docker compose"
// when it answers, else "docker-compose".
func NewStack(t testing.TB, project string, env map[string]string) *Stack {
	t.Helper()
	cmd := strings.Fields(os.Getenv("COMPOSE"))
	if len(cmd) == 0 {
		if exec.Command("docker", "compose", "version").Run() == nil {
			cmd = []string{"docker", "compose"}
		} else {
			cmd = []string{"docker-compose"}
		}
	}
	file, err := filepath.Abs("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	s := &Stack{t: t, compose: cmd, project: project, file: file, env: os.Environ()}
	for k, v := range env {
		s.env = append(s.env, k+"="+v)
	}
	return s
}

// Run runs a compose subcommand and returns its stdout.
func (s *Stack) Run(ctx context.Context, args ...string) (string, error) {
	full := append([]string{}, s.compose[1:]...)
	full = append(full, "-p", s.project, "-f", s.file)
	full = append(full, args...)
	return s.exec(ctx, s.compose[0], full...)
}

// Docker runs a docker subcommand and returns its stdout.
func (s *Stack) Docker(ctx context.Context, args ...string) (string, error) {
	return s.exec(ctx, "docker", args...)
}

func (s *Stack) exec(ctx context.Context, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, lastLines(stderr.String(), 20))
	}
	return stdout.String(), nil
}

// Must runs a compose subcommand and fails the test if it fails.
func (s *Stack) Must(ctx context.Context, args ...string) string {
	s.t.Helper()
	out, err := s.Run(ctx, args...)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// Container returns the id of the container of a service.
func (s *Stack) Container(ctx context.Context, service string) (string, error) {
	// -a: compose v2 lists only running containers without it, and the producer exits.
	out, err := s.Run(ctx, "ps", "-a", "-q", service)
	if err != nil {
		return "", err
	}
	id := strings.TrimSpace(out)
	if id == "" || strings.Contains(id, "\n") {
		return "", fmt.Errorf("service %s: want one container, got %q", service, id)
	}
	return id, nil
}

// Stdout returns what the service's container wrote to stdout, over all its restarts:
// docker logs copies the container's stdout to ours and its stderr (the logs) to stderr.
func (s *Stack) Stdout(ctx context.Context, service string) ([]string, error) {
	id, err := s.Container(ctx, service)
	if err != nil {
		return nil, err
	}
	out, err := s.Docker(ctx, "logs", id)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSpace(out), "\n"), nil
}

// ExitCode returns the exit code of a service's container, or an error while it runs.
func (s *Stack) ExitCode(ctx context.Context, service string) (int, error) {
	id, err := s.Container(ctx, service)
	if err != nil {
		return 0, err
	}
	out, err := s.Docker(ctx, "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", id)
	if err != nil {
		return 0, err
	}
	var status string
	var code int
	if _, err := fmt.Sscan(out, &status, &code); err != nil {
		return 0, fmt.Errorf("inspect %s: %q: %w", service, out, err)
	}
	if status != "exited" {
		return 0, fmt.Errorf("%s is %s", service, status)
	}
	return code, nil
}

// Down removes the project, its volumes and networks, and says so if it cannot.
func (s *Stack) Down() {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if _, err := s.Run(ctx, "down", "-v", "--remove-orphans", "--timeout", "10"); err != nil {
		s.t.Errorf("tear down: %v", err)
	}
}

// SaveLogs writes every service's logs to path and returns the last lines.
func (s *Stack) SaveLogs(path string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := s.Run(ctx, "logs", "--no-color", "--timestamps")
	if err != nil {
		return err.Error()
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
		_ = os.WriteFile(path, []byte(out), 0o644)
	}
	return lastLines(out, 150)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// WaitFor calls check every second until it returns nil, and fails the test with the last
// error if that does not happen within limit.
func WaitFor(ctx context.Context, t testing.TB, what string, limit time.Duration, check func(context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		err := check(ctx)
		if err == nil {
			t.Logf("%s after %v", what, time.Since(start).Round(100*time.Millisecond))
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: not within %v: %v", what, limit, err)
		case <-tick.C:
		}
	}
}

// HTTPOK returns a check for WaitFor that passes once url answers 200.
func HTTPOK(url string) func(context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", url, resp.Status)
		}
		return nil
	}
}
