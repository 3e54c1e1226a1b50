package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Go's profiles are served only on their own address (--pprof-addr, loopback only), never on
// --http-addr, and never the command line, which holds secrets such as --nats-url's password.
func TestPProfOnlyWhenAsked(t *testing.T) {
	for name, tt := range map[string]struct {
		h    http.Handler
		path string
		want int
	}{
		"http-addr cmdline":  {handler(newProbes(nil)), "/debug/pprof/cmdline", http.StatusNotFound},
		"http-addr index":    {handler(newProbes(nil)), "/debug/pprof/", http.StatusNotFound},
		"pprof-addr index":   {pprofHandler(), "/debug/pprof/", http.StatusOK},
		"pprof-addr heap":    {pprofHandler(), "/debug/pprof/heap?debug=1", http.StatusOK},
		"pprof-addr cmdline": {pprofHandler(), "/debug/pprof/cmdline", http.StatusNotFound},
	} {
		rec := httptest.NewRecorder()
		tt.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("%s: %s = %d, want %d", name, tt.path, rec.Code, tt.want)
		}
	}
}

func TestPProfAddrMustBeLoopback(t *testing.T) {
	for addr, ok := range map[string]bool{
		"127.0.0.1:6060": true, "[::1]:6060": true, "localhost:6060": true, "127.0.0.2:0": true,
		":6060": false, "0.0.0.0:6060": false, "[::]:6060": false, "10.0.0.1:6060": false, "example.com:6060": false,
		"127.0.0.1": false, "127.0.0.1:x": false,
	} {
		if err := loopbackAddr(addr); (err == nil) != ok {
			t.Errorf("loopbackAddr(%q) = %v, want ok %v", addr, err, ok)
		}
	}
}
