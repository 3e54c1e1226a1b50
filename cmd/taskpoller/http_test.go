package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"go.uber.org/zap"
)

// Go's profiles are served only when asked for (--pprof): they show the process's internals.
func TestPProfOnlyWhenAsked(t *testing.T) {
	for _, on := range []bool{false, true} {
		addr := freeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serveHTTP(ctx, addr, on, newProbes(), zap.NewNop()) }()
		code := 0
		for deadline := time.Now().Add(10 * time.Second); code == 0 && time.Now().Before(deadline); {
			resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
			if err != nil {
				time.Sleep(20 * time.Millisecond) // not listening yet
				continue
			}
			resp.Body.Close()
			code = resp.StatusCode
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: http.StatusNotFound, true: http.StatusOK}[on]; code != want {
			t.Errorf("pprof %v: /debug/pprof/cmdline = %d, want %d", on, code, want)
		}
	}
}
