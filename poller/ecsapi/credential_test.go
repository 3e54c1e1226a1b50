package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

const planted = "SECRET-PLANTED-123"

// useHome points the default credential chain at a fresh home holding files (path relative
// to home → content), with no credentials in the environment and no ECS metadata service.
func useHome(t *testing.T, files map[string]string) {
	t.Helper()
	home := t.TempDir()
	for name, content := range files {
		p := filepath.Join(home, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", home)
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

// A failing default credential chain is a worker error whose text never quotes the credential
// files, which credentials-go does (a malformed config.json whole, the bad line of an INI file).
// Not parallel: the chain reads HOME and the environment.
func TestCredentialChainErrorsAreRedacted(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string // fixed fragments the message should name
	}{
		{"truncated config.json", map[string]string{
			".aliyun/config.json": `{"current":"default","profiles":[{"name":"default","mode":"AK","access_key_id":"AKID","access_key_secret":"` + planted + `"`,
		}, []string{"env", "cli_profile (config.json is not valid JSON)", "profile"}},
		{"credentials line without =", map[string]string{
			".alibabacloud/credentials": "[default]\ntype = access_key\naccess_key_id = AKID\n" + planted + "\n",
		}, []string{"env", "cli_profile", "profile (credentials file is not valid INI)"}},
		{"both malformed", map[string]string{
			".aliyun/config.json":       `{"profiles":[{"name":"default","access_key_secret":"` + planted + `",}]}`,
			".alibabacloud/credentials": "[default\naccess_key_secret = " + planted + "\n",
		}, []string{"cli_profile (config.json is not valid JSON)", "profile (credentials file is not valid INI)"}},
		{"nothing configured", nil, []string{"env", "cli_profile", "profile"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			useHome(t, tc.files)
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				calls.Add(1)
				_, _ = w.Write([]byte(`{}`))
			}))
			defer srv.Close()
			c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			// The second call differs: credentials-go then asks only the last provider tried.
			for call := 1; call <= 2; call++ {
				_, err := c.DescribeTask(context.Background(), "cn-hangzhou", "t-1")
				var api *poller.APIError
				if !errors.As(err, &api) {
					t.Fatalf("call %d: %v (%T), want an *APIError", call, err, err)
				}
				for _, s := range []string{err.Error(), fmt.Sprintf("%+v", err), api.Code, api.Message, api.RequestID} {
					if strings.Contains(s, planted) {
						t.Errorf("call %d: planted secret in %q", call, s)
					}
				}
				if api.Code != "ClientError" || poller.Classify(err) != poller.ClassWorker {
					t.Errorf("call %d: code %s class %s, want ClientError worker", call, api.Code, poller.Classify(err))
				}
				if !strings.Contains(api.Message, "ALIBABA_CLOUD_ACCESS_KEY_ID") {
					t.Errorf("call %d: message %q has no hint", call, api.Message)
				}
				if call == 1 {
					for _, w := range tc.want {
						if !strings.Contains(api.Message, w) {
							t.Errorf("message %q does not name %q", api.Message, w)
						}
					}
				}
			}
			if n := calls.Load(); n != 0 {
				t.Errorf("%d requests sent without credentials", n)
			}
		})
	}
}
