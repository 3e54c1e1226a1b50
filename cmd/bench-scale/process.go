package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// child is a poller's process. Every child is stopped (or waited for) by its starter.
type child struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited and its output is copied; err is then set
	err  error
}

// startChild starts cmd and a goroutine that waits for it; stop or <-done end it.
func startChild(cmd *exec.Cmd) (*child, error) {
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(cmd.Path), err)
	}
	c := &child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// stop sends SIGTERM, kills the process if it has not exited after grace, and waits for it.
// It returns the process's exit error (nil for exit code 0).
func (c *child) stop(grace time.Duration) error {
	select {
	case <-c.done:
		return c.err
	default:
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
		_ = c.cmd.Process.Kill()
		<-c.done
		return fmt.Errorf("%s did not stop within %s after SIGTERM: killed", filepath.Base(c.cmd.Path), grace)
	}
	return c.err
}

// rusage is the resource usage of the exited process, nil if unknown.
func (c *child) rusage() *syscall.Rusage {
	if c.cmd.ProcessState == nil {
		return nil
	}
	u, _ := c.cmd.ProcessState.SysUsage().(*syscall.Rusage)
	return u
}

// childEnv is the environment of a poller's process: the harness's, less every TASKPOLLER_
// and ALIBABA_CLOUD_ variable (so nothing of the caller's changes the measured settings),
// plus the emulator's default key pair.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "TASKPOLLER_") || strings.HasPrefix(kv, "ALIBABA_CLOUD_") || strings.HasPrefix(kv, "GOMEMLIMIT=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"ALIBABA_CLOUD_ACCESS_KEY_ID="+ecsemu.DefaultAccessKeyID,
		"ALIBABA_CLOUD_ACCESS_KEY_SECRET="+ecsemu.DefaultAccessKeySecret,
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
	)
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// buildTaskpoller builds ./cmd/taskpoller of the module the harness runs in into dir.
func buildTaskpoller(ctx context.Context, dir string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("not inside the taskpoller module: run from its root, or give --taskpoller-bin")
	}
	bin := filepath.Join(dir, "taskpoller")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/taskpoller")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/taskpoller: %w\n%s", err, out)
	}
	return bin, nil
}

// tail returns the last n bytes of the file at path, for error messages.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		_, _ = f.Seek(st.Size()-n, 0)
	}
	b := make([]byte, n)
	k, _ := f.Read(b)
	return string(b[:k])
}
