package poller_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// noCredentials empties the default credential chain: a fresh home, no credentials in the
// environment, no ECS metadata service. Not for parallel tests.
func noCredentials(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	for _, k := range []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN",
		"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE",
		"ALIBABA_CLOUD_PROFILE", "ALIBABA_CLOUD_CONFIG_FILE", "ALIBABA_CLOUD_CREDENTIALS_FILE",
		"ALIBABA_CLOUD_CREDENTIALS_URI", "ALIBABA_CLOUD_CLI_PROFILE_DISABLED",
	} {
		t.Setenv(k, "")
	}
}

// Through the real SDK and the emulator's signature checks: a wrong secret, or no credentials
// at all, is named as such in the log and /readyz, and DescribeTasks goes on being tried —
// no fallback to per-task polling, which is for a missing DescribeTasks permission.
func TestCredentialFailuresThroughTheSDK(t *testing.T) {
	for _, tc := range []struct {
		name, code, log, ready string
	}{
		{"wrong secret", "SignatureDoesNotMatch", "ECS refuses this worker's credentials", "credentials rejected"},
		{"no credentials", "ClientError", "no usable Alibaba Cloud credentials", "no usable credentials"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e *env
			if tc.name == "wrong secret" {
				e = newEnv(t, ecsemu.WithCredentials("test-ak", "another-secret")) // the client signs with test-secret
			} else {
				e = newEnv(t)
				noCredentials(t)
				api, err := ecsapi.New(ecsapi.Config{Endpoint: e.emu.URL(), Timeout: 2 * time.Second}) // the default chain
				if err != nil {
					t.Fatal(err)
				}
				e.api = api
			}
			_, js := e.connect()
			col := e.collect(js)
			id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Finished"}}})
			if err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zap.InfoLevel)
			e.logs = core
			cfg := fastConfig()
			cfg.BatchInterval = 20 * time.Millisecond
			wk := e.startWorker(cfg)
			e.register(js, id, "")
			tick := every(t, 10*time.Millisecond)
			want := tc.code + ": " + tc.ready
			waitFor(t, 10*time.Second, "not ready: "+want, tick, func() bool {
				err := wk.w.Ready()
				return err != nil && strings.Contains(err.Error(), want)
			})
			refused := wk.metrics.BatchCalls.WithLabelValues("worker", tc.code)
			waitFor(t, 10*time.Second, "DescribeTasks refused again and again", tick, func() bool { return testutil.ToFloat64(refused) >= 5 })
			if d := wk.w.Detail(); d != "" {
				t.Errorf("Detail = %q: fell back to per-task polling", d)
			}
			if n := logs.FilterMessageSnippet("polling each task").Len(); n != 0 {
				t.Errorf("%d logs say DescribeTasks is refused (a permission), want 0", n)
			}
			errs := logs.FilterLevelExact(zap.ErrorLevel).All()
			if len(errs) != 1 || !strings.Contains(errs[0].Message, tc.log) || errs[0].ContextMap()["code"] != tc.code {
				t.Errorf("error logs %v, want one saying %q with code %s", errs, tc.log, tc.code)
			}
			if n := len(col.forTask(id)); n != 0 {
				t.Errorf("%d events, want 0", n)
			}
			if tc.name == "no credentials" && e.emu.CallCount("DescribeTasks")+e.emu.CallCount("DescribeTaskAttribute") != 0 {
				t.Errorf("calls reached ECS without credentials")
			}
		})
	}
}
