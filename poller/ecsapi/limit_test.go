package ecsapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// jsonBody returns a valid DescribeTaskAttribute answer of exactly n bytes.
func jsonBody(n int) string {
	const head, tail = `{"TaskId":"t-1","TaskStatus":"Processing","Pad":"`, `"}`
	return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
}

// An answer larger than MaxResponseBytes is cut off and reported as a transient error that
// errors.Is finds through the SDK, whatever the status and whether its length is announced.
func TestResponseTooLarge(t *testing.T) {
	for _, tc := range []struct {
		name    string
		size    int
		status  int
		chunked bool // no Content-Length: the size is only known by reading
		tooBig  bool
	}{
		{"at the limit", ecsapi.MaxResponseBytes, 200, false, false},
		{"one byte over", ecsapi.MaxResponseBytes + 1, 200, false, true},
		{"2 MiB", 2 << 20, 200, false, true},
		{"2 MiB chunked", 2 << 20, 200, true, true},
		{"2 MiB error answer", 2 << 20, 500, false, true},
		{"2 MiB forbidden", 2 << 20, 403, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := jsonBody(tc.size)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(body)))
				}
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL, Credential: mustCred(t, "ak", "secret"), Timeout: 30 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.DescribeTask(context.Background(), "cn-hangzhou", "t-1")
			if got := errors.Is(err, ecsapi.ErrResponseTooLarge); got != tc.tooBig {
				t.Fatalf("errors.Is(%v, ErrResponseTooLarge) = %v, want %v", err, got, tc.tooBig)
			}
			if !tc.tooBig {
				return
			}
			if got, want := poller.Classify(err), poller.ClassTransient; got != want {
				t.Errorf("Classify(%v) = %s, want %s", err, got, want)
			}
			var api *poller.APIError
			if errors.As(err, &api) {
				t.Errorf("got an *APIError %+v, want a transport-level error", api)
			}
		})
	}
}
