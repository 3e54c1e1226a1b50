package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// Go's profiles are served only when asked for (--pprof): they show the process's internals.
func TestPProfOnlyWhenAsked(t *testing.T) {
	for on, want := range map[bool]int{false: http.StatusNotFound, true: http.StatusOK} {
		rec := httptest.NewRecorder()
		handler(on, newProbes(nil)).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/debug/pprof/cmdline", nil))
		if rec.Code != want {
			t.Errorf("pprof %v: /debug/pprof/cmdline = %d, want %d", on, rec.Code, want)
		}
	}
}
