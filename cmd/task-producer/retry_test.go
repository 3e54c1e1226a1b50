package main

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"testing/synctest"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller"
)

// ECS calls are retried on throttling, 5xx answers and transport errors, and given up at
// once on other error answers (poller.Retryable).
func TestRetryECS(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		calls int // until success after two failures, or 1 when the error is final
	}{
		{"throttled", &poller.APIError{Code: "Throttling.User", StatusCode: 400}, 3},
		{"5xx", &poller.APIError{Code: "ServiceUnavailable", StatusCode: 503}, 3},
		{"network", &url.Error{Op: "Post", URL: "https://ecs", Err: errors.New("connection reset")}, 3},
		{"cannot cancel", &poller.APIError{Code: "InvalidTaskId.IncorrectTaskStatus", StatusCode: 403}, 1},
		{"bad parameter", &poller.APIError{Code: "InvalidParameter", StatusCode: 400}, 1},
		{"credentials", &poller.APIError{Code: "InvalidAccessKeyId.NotFound", StatusCode: 404}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				calls := 0
				err := retry(t.Context(), zap.NewNop(), "call", poller.Retryable, func(context.Context) error {
					calls++
					if calls < 3 {
						return tt.err
					}
					return nil
				})
				if calls != tt.calls {
					t.Errorf("%d calls, want %d", calls, tt.calls)
				}
				if final := tt.calls == 1; final != (err != nil) {
					t.Errorf("err = %v, want an error: %t", err, final)
				}
			})
		})
	}
}
