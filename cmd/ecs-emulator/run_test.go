package main

import (
	"context"
	"io"
	"net/http"
	"testing"

	"go.uber.org/goleak"
	"go.uber.org/zap"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestServeUntilCanceled(t *testing.T) {
	cfg, err := parseConfig([]string{"--addr", "127.0.0.1:0"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, zap.NewNop(), ready) }()
	endpoint := <-ready
	tr := &http.Transport{}
	resp, err := (&http.Client{Transport: tr}).Get("http://" + endpoint + "/_emulator/healthz")
	if err != nil {
		t.Fatalf("healthz: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	tr.CloseIdleConnections()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("healthz status %d", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
}

func TestServeListenError(t *testing.T) {
	cfg, err := parseConfig([]string{"--addr", "256.0.0.1:1"}, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := serve(context.Background(), cfg, zap.NewNop(), nil); err == nil {
		t.Errorf("serve on a bad address succeeded")
	}
}
