package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

const natsPassword = "NATS-PASSWORD-e3b0c4"

// authNATS starts a JetStream nats-server that wants user "tp" with natsPassword, and
// returns its host:port.
func authNATS(t *testing.T) string {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, Username: "tp", Password: natsPassword,
		JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s.Addr().String()
}

// startLogged starts `taskpoller run` with args, collecting its output; it is killed when
// the test ends.
func startLogged(t *testing.T, env []string, args ...string) (*exec.Cmd, *safeBuffer, <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"run"}, args...)...)
	cmd.Env = append(os.Environ(), "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true")
	cmd.Env = append(cmd.Env, env...)
	logs, done := startCollected(t, cmd)
	return cmd, logs, done
}

// startCollected starts cmd, collecting its output; it is killed when the test ends. done is
// closed once it has exited.
func startCollected(t *testing.T, cmd *exec.Cmd) (logs *safeBuffer, done <-chan struct{}) {
	t.Helper()
	logs = &safeBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	return logs, exited
}

// fetch GETs url and returns its status and body, gunzipped if it is gzip (a profile).
func fetch(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
		if u, err := io.ReadAll(zr); err == nil {
			b = u
		}
	}
	return resp.StatusCode, string(b)
}

// waitReady waits until url answers want with a body containing say.
func waitReady(t *testing.T, url string, want int, say string, logs *safeBuffer, done <-chan struct{}) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(30 * time.Second)
	for {
		if resp, err := http.Get(url); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want && strings.Contains(strings.ToLower(string(b)), strings.ToLower(say)) {
				return
			}
		}
		select {
		case <-tick.C:
		case <-done:
			t.Fatalf("the worker exited:\n%s", logs.String())
		case <-deadline:
			t.Fatalf("%s never answered %d %q; logs:\n%s", url, want, say, logs.String())
		}
	}
}

// A password given in --nats-url, as the README shows, appears nowhere a worker shows: not
// on --http-addr (/metrics, /readyz, /healthz, any other path), not on --pprof-addr (every
// profile the index lists, /debug/pprof/cmdline, symbol, profile, trace), not in its logs.
// /debug/pprof/cmdline used to return the command line, password and all, on --http-addr.
func TestNATSPasswordNeverLeaks(t *testing.T) {
	natsAddr := authNATS(t)
	emu, err := ecsemu.New(ecsemu.WithCredentials("cli-ak", "cli-secret"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	nc, err := nats.Connect("nats://"+natsAddr, nats.UserInfo("tp", natsPassword))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, _ := jetstream.New(nc)

	httpAddr, pprofAddr := freeAddr(t), freeAddr(t)
	_, logs, done := startLogged(t, []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=cli-ak", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=cli-secret"},
		"--nats-url", "nats://tp:"+natsPassword+"@"+natsAddr, "--ecs-endpoint", emu.URL(), "--http-addr", httpAddr, "--pprof-addr", pprofAddr,
		"--log-level", "debug", "--worker-id", "pw", "--poll-initial", "20ms", "--poll-max", "100ms", "--api-timeout", "1s", "--ack-wait", "2s", "--dedup-window", "1m")
	waitReady(t, "http://"+httpAddr+"/readyz", http.StatusOK, "ready", logs, done)

	// One task through, so that the worker has logged what it does.
	id, err := emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Finished", Process: "100%"}}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(events.RegistrationMessage{RegionID: "cn-hangzhou", TaskID: id})
	if _, err := js.Publish(context.Background(), "ecs.tasks.registered", b); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cons, err := js.OrderedConsumer(ctx, "ECS_TASKS_EVENTS", jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for terminal := false; !terminal; {
		m, err := cons.Next(jetstream.FetchContext(ctx))
		if err != nil {
			t.Fatalf("no terminal event: %v\nlogs:\n%s", err, logs.String())
		}
		var ev events.Event
		_ = json.Unmarshal(m.Data(), &ev)
		terminal = ev.Type == events.TypeFinished || ev.Type == events.TypeFailed
	}

	seen := map[string]string{} // url → body
	for _, p := range []string{"/metrics", "/readyz", "/healthz", "/", "/debug/pprof/", "/debug/pprof/cmdline", "/debug/pprof/goroutine?debug=2"} {
		_, seen["http-addr "+p] = fetch(t, "http://"+httpAddr+p)
	}
	code, index := fetch(t, "http://"+pprofAddr+"/debug/pprof/")
	if code != http.StatusOK {
		t.Fatalf("--pprof-addr index: %d", code)
	}
	paths := map[string]bool{"/debug/pprof/cmdline": true, "/debug/pprof/symbol": true}
	for _, m := range regexp.MustCompile(`href='?"?([a-z]+)\?debug=1`).FindAllStringSubmatch(index, -1) {
		switch name := m[1]; name {
		case "profile", "trace": // each takes its seconds
			paths["/debug/pprof/"+name+"?seconds=1"] = true
		default:
			paths["/debug/pprof/"+name+"?debug=1"], paths["/debug/pprof/"+name+"?debug=2"] = true, true
		}
	}
	if len(paths) < 12 {
		t.Fatalf("the index lists only %v; the test would look at too little:\n%s", paths, index)
	}
	for p := range paths {
		_, seen["pprof-addr "+p] = fetch(t, "http://"+pprofAddr+p)
	}
	if code, _ := fetch(t, "http://"+pprofAddr+"/debug/pprof/cmdline"); code != http.StatusNotFound {
		t.Errorf("--pprof-addr /debug/pprof/cmdline = %d, want 404", code)
	}
	for where, text := range seen {
		if strings.Contains(text, natsPassword) {
			t.Errorf("the NATS password leaks through %s", where)
		}
	}
	if _, p := fetch(t, "http://"+pprofAddr+"/debug/pprof/goroutine?debug=2"); !strings.Contains(p, "goroutine") {
		t.Errorf("the goroutine dump holds no goroutine; the test proves nothing:\n%.300s", p)
	}
	if !strings.Contains(logs.String(), "connected to NATS") || !strings.Contains(logs.String(), "nats://tp:REDACTED@"+natsAddr) {
		t.Errorf("the logs do not name the server (redacted):\n%s", logs.String())
	}
	if strings.Contains(logs.String(), natsPassword) {
		t.Errorf("the NATS password leaks through the logs:\n%s", logs.String())
	}
}

// A worker whose NATS refuses its credentials says so in /readyz and its logs, naming the
// URL without the password, and keeps trying (a fixed account lets it in).
func TestNATSAuthFailureIsNamed(t *testing.T) {
	natsAddr := authNATS(t)
	httpAddr := freeAddr(t)
	wrong := "wrong-" + natsPassword
	cmd, logs, done := startLogged(t, []string{"ALIBABA_CLOUD_ACCESS_KEY_ID=x", "ALIBABA_CLOUD_ACCESS_KEY_SECRET=y"},
		"--nats-url", "nats://tp:"+wrong+"@"+natsAddr, "--http-addr", httpAddr, "--log-format", "console")
	waitReady(t, "http://"+httpAddr+"/readyz", http.StatusServiceUnavailable, "authorization violation", logs, done)
	_, ready := fetch(t, "http://"+httpAddr+"/readyz")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-done
	want := "nats://tp:REDACTED@" + natsAddr
	if !strings.Contains(ready, want) || !strings.Contains(logs.String(), want) || !strings.Contains(strings.ToLower(logs.String()), "authorization violation") {
		t.Errorf("/readyz %q and logs should name %s and the refusal:\n%s", ready, want, logs.String())
	}
	if strings.Contains(ready+logs.String(), natsPassword) {
		t.Errorf("the password leaks: /readyz %q, logs:\n%s", ready, logs.String())
	}
}
