package main

import (
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The commands that talk to a deployment fail at once when NATS is out of reach, naming the
// URL (its password redacted) and the cause. They used to say only "no servers available
// for connection".
func TestCLICommandsNameUnreachableNATS(t *testing.T) {
	url := "nats://bob:pw-4d2a@" + freeAddr(t)
	shown := strings.Replace(url, "pw-4d2a", "REDACTED", 1)
	for _, args := range [][]string{
		{"register", "--region", "cn-hangzhou", "--task", "t-abc"},
		{"watch"},
		{"tasks"},
		{"status", "--region", "cn-hangzhou", "--task", "t-abc"},
	} {
		out, code := cli(t, nil, append(args, "--nats-url", url)...)
		if code != 1 || !strings.Contains(out, "connect to NATS at "+shown) || !strings.Contains(out, "connection refused") || strings.Contains(out, "pw-4d2a") {
			t.Errorf("%s: exit %d, output %q; want exit 1 naming %s and the refusal, without the password", args[0], code, out, shown)
		}
	}
}

// A worker whose NATS is out of reach keeps trying, but says so: a warning naming the URL
// (password redacted) and the cause, and /readyz gives the same reason. It used to log
// "nats: outbound buffer limit exceeded" and /readyz said only "starting".
func TestWorkerNamesUnreachableNATS(t *testing.T) {
	addr := freeAddr(t)
	url := "nats://bob:pw-91f3@" + freeAddr(t)
	shown := strings.Replace(url, "pw-91f3", "REDACTED", 1)
	cmd := exec.Command(binary, "run", "--nats-url", url, "--http-addr", addr, "--log-format", "console")
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ACCESS_KEY_ID=x", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=y", "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	logs, done := startCollected(t, cmd)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(20 * time.Second)
	var ready string
	for !strings.Contains(ready, "connection refused") {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			ready = string(b)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("/readyz = %d %q while NATS is out of reach", resp.StatusCode, ready)
			}
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("/readyz never gave the cause: %q\nlogs:\n%s", ready, logs.String())
		}
	}
	if !strings.Contains(ready, "starting: cannot reach NATS at "+shown) || strings.Contains(ready, "pw-91f3") {
		t.Errorf("/readyz = %q; want it to name %s, without the password", ready, shown)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-done
	out := logs.String()
	if !strings.Contains(out, "cannot reach NATS; retrying") || !strings.Contains(out, shown) || !strings.Contains(out, "connection refused") {
		t.Errorf("logs lack a warning naming %s and the refusal:\n%s", shown, out)
	}
	if strings.Contains(out, "pw-91f3") || strings.Contains(out, "outbound buffer") {
		t.Errorf("logs hold the password or the misleading buffer error:\n%s", out)
	}
}

// An embedded NATS server whose --nats-listen port is taken fails at once with the cause.
// It used to wait 10s and say only "did not start".
func TestNATSListenTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	out, code := cli(t, nil, "run", "--nats-listen", ln.Addr().String(), "--data-dir", t.TempDir(), "--http-addr", "")
	if want := "listen tcp " + ln.Addr().String() + ": bind: address already in use"; code != 1 || !strings.Contains(out, want) || !strings.Contains(out, "--nats-listen") {
		t.Errorf("exit %d, output %q; want exit 1 saying --nats-listen: ... %s", code, out, want)
	}
}
