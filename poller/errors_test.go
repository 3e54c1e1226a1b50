package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

func TestClassify(t *testing.T) {
	api := func(code string, status int) error {
		return fmt.Errorf("poll: %w", &APIError{Code: code, StatusCode: status})
	}
	var syntax *json.SyntaxError
	if err := json.Unmarshal([]byte("<html>"), &struct{}{}); !errors.As(err, &syntax) {
		t.Fatal("no syntax error")
	}
	tests := []struct {
		err  error
		want Class
	}{
		{api("Throttling.User", 400), ClassThrottled},
		{api("Throttling.Api", 400), ClassThrottled},
		{api("Throttling", 400), ClassThrottled},
		{api("ServiceUnavailable", 503), ClassTransient},
		{api("InternalError", 500), ClassTransient},
		{api("UnknownThing", 502), ClassTransient},
		{api("InvalidTaskId.NotFound", 400), ClassNotFound},
		{api("InvalidRegionId.NotFound", 400), ClassInvalidRegion},
		{api("InvalidAccessKeyId.NotFound", 404), ClassWorker},
		{api("InvalidAccessKeyId.Inactive", 400), ClassWorker},
		{api("SignatureDoesNotMatch", 400), ClassWorker},
		{api("InvalidTimeStamp.Expired", 400), ClassWorker},
		{api("Forbidden.RAM", 403), ClassWorker},
		{api("InvalidCredentials", 0), ClassWorker},
		{api("SomethingNew", 400), ClassTransient},
		{&url.Error{Op: "Post", URL: "http://x", Err: context.DeadlineExceeded}, ClassTransient},
		{fmt.Errorf("call: %w", syntax), ClassTransient},
		{context.DeadlineExceeded, ClassTransient},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}

// Retryable is Classify's transient and throttled, less the error answers it does not know.
func TestRetryable(t *testing.T) {
	api := func(code string, status int) error {
		return fmt.Errorf("call: %w", &APIError{Code: code, StatusCode: status})
	}
	tests := []struct {
		err  error
		want bool
	}{
		{api("Throttling.User", 400), true},
		{api("ServiceUnavailable", 503), true},
		{api("InternalError", 500), true},
		{api("UnknownThing", 502), true},
		{&url.Error{Op: "Post", URL: "http://x", Err: errors.New("connection refused")}, true},
		{context.DeadlineExceeded, true},
		{errors.New("ecs answered without a TaskId"), true},
		{api("InvalidParameter", 400), false},
		{api("InvalidTaskId.IncorrectTaskStatus", 403), false},
		{api("InvalidTaskId.NotFound", 404), false},
		{api("InvalidRegionId.NotFound", 400), false},
		{api("Forbidden.RAM", 403), false},
		{api("ClientError", 0), false},
		{api("EmptyResponse", 0), false},
		{api("SomethingNew", 400), false}, // Classify: transient
	}
	for _, tt := range tests {
		if got := Retryable(tt.err); got != tt.want {
			t.Errorf("Retryable(%v) = %t, want %t (class %s)", tt.err, got, tt.want, Classify(tt.err))
		}
	}
}

func TestHealthLogsEachCauseOnce(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := newHealth(zap.New(core))
	now := time.Unix(1000, 0)
	for range 100 {
		h.report("Forbidden.RAM", "cn-hangzhou", errors.New("denied: secret-looking text"), now)
	}
	h.report("SignatureDoesNotMatch", "cn-hangzhou", errors.New("bad sig"), now.Add(time.Second))
	if got, want := h.problem(), "Forbidden.RAM, SignatureDoesNotMatch"; got != want {
		t.Fatalf("problem = %q, want %q (codes only, never messages)", got, want)
	}
	if since, region, ok := h.failing(); !ok || !since.Equal(now) || region != "cn-hangzhou" {
		t.Errorf("failing = %v %q %v, want %v cn-hangzhou true", since, region, ok, now)
	}
	if n := logs.FilterMessageSnippet("refuses").Len(); n != 2 {
		t.Errorf("%d error logs for 101 reports of 2 causes, want 2", n)
	}
	h.ok()
	h.ok()
	if p := h.problem(); p != "" {
		t.Errorf("problem after success: %s", p)
	}
	if n := logs.FilterMessageSnippet("succeed again").Len(); n != 1 {
		t.Errorf("%d recovery logs, want 1", n)
	}
}
