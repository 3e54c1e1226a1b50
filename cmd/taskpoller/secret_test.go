package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// safeBuffer collects a process's output while it runs.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A secret planted in malformed credential files (the Alibaba Cloud CLI's config.json and
// the credentials ini file) appears nowhere a worker shows: not in its logs, /readyz,
// /healthz, /metrics, nor in any event. The credential chain's errors used to quote the files.
func TestPlantedSecretNeverLeaks(t *testing.T) {
	const secret = "SECRET-PLANTED-7f3a9c"
	home := t.TempDir()
	for path, content := range map[string]string{
		".aliyun/config.json":       `{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"AKID","access_key_secret":"` + secret + `",`,
		".alibabacloud/credentials": "[default]\ntype = access_key\naccess_key_id = AKID\n" + secret + "\n",
	} {
		p := filepath.Join(home, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w := newWorld(t)
	addr := freeAddr(t)
	cmd := exec.Command(binary, "run", "--worker-id", "leaky", "--log-level", "debug")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ALIBABA_CLOUD_") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "ALIBABA_CLOUD_ECS_METADATA_DISABLED=true",
		"TASKPOLLER_NATS_URL="+w.natsURL, "TASKPOLLER_ECS_ENDPOINT="+w.emu.URL(), "TASKPOLLER_HTTP_ADDR="+addr,
		"TASKPOLLER_POLL_INITIAL=20ms", "TASKPOLLER_POLL_MAX=100ms", "TASKPOLLER_API_TIMEOUT=1s", "TASKPOLLER_ACK_WAIT=2s")
	logs, _ := startCollected(t, cmd)

	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	ids := w.addTasks(1, 10*time.Millisecond)
	deadline := time.Now().Add(30 * time.Second)
	registered := false
	var ready string
	for {
		if !registered {
			if _, err := w.js.Stream(context.Background(), "ECS_TASKS_REGISTRATIONS"); err == nil {
				b, _ := json.Marshal(events.RegistrationMessage{RegionID: "cn-hangzhou", TaskID: ids[0], Metadata: json.RawMessage(`{"k":"v"}`)})
				if _, err := w.js.Publish(context.Background(), "ecs.tasks.registered", b); err != nil {
					t.Fatal(err)
				}
				registered = true
			}
		}
		_, ready = get("/readyz")
		if registered && strings.Contains(ready, "ClientError") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker never reported the credential failure; /readyz: %q\nlogs:\n%s", ready, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, health := get("/healthz")
	_, metrics := get("/metrics")
	var stored strings.Builder // every message of the events stream, read directly
	stream, err := w.js.Stream(context.Background(), "ECS_TASKS_EVENTS")
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		if m, err := stream.GetMsg(context.Background(), seq); err == nil {
			stored.Write(m.Data)
		}
	}
	if !strings.Contains(logs.String(), "ClientError") {
		t.Fatalf("the logs do not show the credential failure at all; the test proves nothing:\n%s", logs.String())
	}
	for where, text := range map[string]string{"logs": logs.String(), "/readyz": ready, "/healthz": health, "/metrics": metrics, "events": stored.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("the planted secret leaks through %s", where)
		}
	}
}
