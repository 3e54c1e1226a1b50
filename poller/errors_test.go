package poller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"testing"

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

func TestHealthLogsEachCauseOnce(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := newHealth(zap.New(core))
	for range 100 {
		h.report("Forbidden.RAM", errors.New("denied"))
	}
	h.report("SignatureDoesNotMatch", errors.New("bad sig"))
	if p := h.problem(); p == "" {
		t.Fatal("no problem reported")
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
