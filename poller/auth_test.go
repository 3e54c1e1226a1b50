package poller_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/poller"
)

// credentialErrors are refusals of the worker's credentials or clock, which DescribeTasks and
// DescribeTaskAttribute meet alike, with what the log and /readyz say of each.
var credentialErrors = []struct {
	name, code, log, ready string
	err                    error
}{
	{"wrong secret", "SignatureDoesNotMatch", "ECS refuses this worker's credentials", "credentials rejected",
		&poller.APIError{Code: "SignatureDoesNotMatch", StatusCode: 400}},
	{"unknown key", "InvalidAccessKeyId.NotFound", "ECS refuses this worker's credentials", "credentials rejected",
		&poller.APIError{Code: "InvalidAccessKeyId.NotFound", StatusCode: 404}},
	{"no credentials", "ClientError", "no usable Alibaba Cloud credentials", "no usable credentials",
		&poller.APIError{Code: "ClientError", Message: "alibaba cloud credentials unavailable", Cause: poller.ErrNoCredentials}},
	{"clock", "InvalidTimeStamp.Expired", "check the worker's clock", "request time rejected",
		&poller.APIError{Code: "InvalidTimeStamp.Expired", StatusCode: 400}},
}

// A refusal of the credentials (or clock) is not a missing DescribeTasks permission: the
// worker says what is at fault, is not ready, does not fall back to per-task polling (which
// would be refused alike), and hands its tasks back after HandBackAfter as before.
func TestCredentialErrorsAreNotAPermissionFallback(t *testing.T) {
	for _, tc := range credentialErrors {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r := newRig(t)
				r.api.script("t-1", answers(finished(), 1)...)
				r.batch = &batchAPI{memAPI: r.api}
				r.api.setRefuse(tc.err) // DescribeTasks too
				core, logs := observer.New(zap.InfoLevel)
				r.log = zap.New(core)
				cfg := rigConfig()
				cfg.BatchInterval, cfg.HandBackAfter = 500*time.Millisecond, 20*time.Second
				a := r.start(cfg)
				a.register("t-1")
				settle(10 * time.Second)
				if d := a.w.Detail(); d != "" {
					t.Errorf("Detail = %q: fell back to per-task polling for %s", d, tc.code)
				}
				if n := logs.FilterMessageSnippet("polling each task").Len(); n != 0 {
					t.Errorf("%d logs say DescribeTasks is refused (a permission), want 0", n)
				}
				if n := r.batch.batches.Load(); n < 15 {
					t.Errorf("%d DescribeTasks calls in 10 s, want one a round (no fallback)", n)
				}
				errs := logs.FilterLevelExact(zap.ErrorLevel).All()
				if len(errs) != 1 || !strings.Contains(errs[0].Message, tc.log) || errs[0].ContextMap()["code"] != tc.code {
					t.Errorf("error logs %v, want one saying %q with code %s", errs, tc.log, tc.code)
				}
				err := a.w.Ready()
				if want := tc.code + ": " + tc.ready; err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Ready = %v, want it to say %q", err, want)
				}
				settle(15 * time.Second)
				if a.w.Tracked() != 0 || r.q.Released() != 1 {
					t.Errorf("after HandBackAfter: tracked %d, handed back %d; want the task handed back", a.w.Tracked(), r.q.Released())
				}
			})
		})
	}
}
