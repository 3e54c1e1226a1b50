package poller_test

import (
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// holdListener accepts connections and never answers them, as a hung endpoint does.
type holdListener struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
	wg    sync.WaitGroup
}

func hold(t *testing.T, ln net.Listener) *holdListener {
	h := &holdListener{ln: ln}
	h.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
		}
	})
	t.Cleanup(h.close)
	return h
}

// close stops listening and drops the connections held; it may be called more than once.
func (h *holdListener) close() {
	_ = h.ln.Close()
	h.wg.Wait()
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		_ = c.Close()
	}
	h.conns = nil
}

// serveAt serves handler on addr until the test ends.
func serveAt(t *testing.T, addr string, handler http.Handler) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		_ = srv.Close()
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serving %s: %v", addr, err)
		}
	})
}

// Through the real SDK: an --ecs-endpoint that refuses connections, or accepts them and never
// answers, makes the worker not ready with the region, the endpoint and the kind of failure,
// with one warning; once ECS answers there, it is ready again by itself and the task ends.
func TestUnreachableEndpointThroughTheSDK(t *testing.T) {
	for _, tc := range []struct{ name, failure string }{{"refused", "ConnectionError"}, {"hanging", "Timeout"}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			_, js := e.connect()
			col := e.collect(js)
			id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Finished"}}})
			if err != nil {
				t.Fatal(err)
			}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			addr := ln.Addr().String()
			hung := hold(t, ln)
			if tc.name == "refused" {
				hung.close()
			}
			cred, err := ecsapi.StaticCredential("test-ak", "test-secret", "")
			if err != nil {
				t.Fatal(err)
			}
			if e.api, err = ecsapi.New(ecsapi.Config{Endpoint: "http://" + addr, Credential: cred, Timeout: 200 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zap.InfoLevel)
			e.logs = core
			cfg := fastConfig()
			cfg.BatchInterval, cfg.UnreachableAfter = 50*time.Millisecond, 500*time.Millisecond
			wk := e.startWorker(cfg)
			e.register(js, id, "")
			tick := every(t, 10*time.Millisecond)
			want := "ECS unreachable: " + region + " at " + addr + ": " + tc.failure + " for "
			waitFor(t, 15*time.Second, "not ready: "+want, tick, func() bool {
				err := wk.w.Ready()
				return err != nil && strings.HasPrefix(err.Error(), want)
			})
			warned := logs.FilterMessageSnippet("ECS is unreachable").All()
			if len(warned) != 1 {
				t.Fatalf("%d warnings that ECS is unreachable, want 1", len(warned))
			}
			f := warned[0].ContextMap()
			if f["region_id"] != region || f["endpoint"] != addr || f["failure"] != tc.failure || f["for"].(time.Duration) < cfg.UnreachableAfter {
				t.Errorf("warning %v: want region, endpoint, failure, and at least UnreachableAfter", f)
			}
			hung.close()
			serveAt(t, addr, e.emu.Handler())
			waitFor(t, 15*time.Second, "ready again", tick, func() bool { return wk.w.Ready() == nil })
			if ev := col.waitTerminal(t, 15*time.Second, id)[id]; ev.Event.Type != "ecs.task.finished" {
				t.Errorf("terminal %s, want finished", ev.Event.Type)
			}
			if n := logs.FilterMessageSnippet("answers again").Len(); n != 1 {
				t.Errorf("%d lines saying ECS answers again, want 1", n)
			}
			if n := testutil.ToFloat64(wk.metrics.HandedBack); n != 0 {
				t.Errorf("%g registrations handed back for an unreachable endpoint, want 0", n)
			}
		})
	}
}
