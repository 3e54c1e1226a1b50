package poller

import (
	"fmt"
	"net/url"
	"syscall"
	"testing"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// refusedErr is a refused connection as the ECS adapter returns it.
func refusedErr() error {
	return fmt.Errorf("ecs call: %w", &url.Error{Op: "Post", URL: "http://127.0.0.1:1/?RegionId=cn-hangzhou&TaskIds=t-1,t-2", Err: syscall.ECONNREFUSED})
}

// Credentials, permission and clock errors are told apart; a missing credential (chain) is a
// credentials fault whatever its code.
func TestWorkerFault(t *testing.T) {
	api := func(code string, status int) error {
		return fmt.Errorf("poll: %w", &APIError{Code: code, StatusCode: status})
	}
	for _, tt := range []struct {
		err  error
		want Fault
	}{
		{api("InvalidAccessKeyId.NotFound", 404), FaultCredentials},
		{api("InvalidAccessKeyId.Inactive", 400), FaultCredentials},
		{api("SignatureDoesNotMatch", 400), FaultCredentials},
		{api("IncompleteSignature", 400), FaultCredentials},
		{api("InvalidSecurityToken.MismatchWithAccessKey", 400), FaultCredentials},
		{api("InvalidSecurityToken.Expired", 400), FaultCredentials},
		{api("InvalidAccessKeySecret", 400), FaultCredentials},
		{api("UnsupportedSignature", 400), FaultCredentials},
		{api("Unauthorized", 401), FaultCredentials},
		{&APIError{Code: "ClientError", Message: "alibaba cloud credentials unavailable", Cause: ErrNoCredentials}, FaultCredentials},
		{api("Forbidden.RAM", 403), FaultPermission},
		{api("Forbidden", 403), FaultPermission},
		{api("NoPermission", 403), FaultPermission},
		{api("Denied", 403), FaultPermission},
		{api("InvalidTimeStamp.Expired", 400), FaultClock},
		{api("ClientError", 0), FaultOther},
		{api("Throttling.User", 400), FaultNone},
		{api("ServiceUnavailable", 503), FaultNone},
		{refusedErr(), FaultNone},
	} {
		if got := WorkerFault(tt.err); got != tt.want {
			t.Errorf("WorkerFault(%v) = %s, want %s", tt.err, got, tt.want)
		}
		if tt.want != FaultNone && Classify(tt.err) != ClassWorker {
			t.Errorf("Classify(%v) = %s, want worker", tt.err, Classify(tt.err))
		}
	}
}

// The first log of a cause says what it blames; /readyz's text pairs each code with it.
func TestHealthNamesTheFault(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	h := newHealth(zap.New(core))
	now := time.Unix(1000, 0)
	h.report("SignatureDoesNotMatch", "cn-hangzhou", &APIError{Code: "SignatureDoesNotMatch", StatusCode: 400}, now)
	h.report("ClientError", "cn-hangzhou", &APIError{Code: "ClientError", Message: "alibaba cloud credentials unavailable", Cause: ErrNoCredentials}, now)
	h.report("Forbidden.RAM", "cn-hangzhou", &APIError{Code: "Forbidden.RAM", StatusCode: 403}, now)
	for _, want := range []string{"ECS refuses this worker's credentials", "no usable Alibaba Cloud credentials", "permission denied (RAM policy)"} {
		if n := logs.FilterMessageSnippet(want).FilterLevelExact(zap.ErrorLevel).Len(); n != 1 {
			t.Errorf("%d error logs saying %q, want 1", n, want)
		}
	}
	want := "ClientError: no usable credentials, Forbidden.RAM: permission denied, SignatureDoesNotMatch: credentials rejected"
	if got := h.describe(); got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
}
