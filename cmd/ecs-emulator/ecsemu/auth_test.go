package ecsemu_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// TestSignedHeadersCoverage checks that an ACS3 signature must cover host and
// every x-acs-* header of the request: a signature over fewer headers would let
// a captured request be replayed with another x-acs-action or x-acs-version.
func TestSignedHeadersCoverage(t *testing.T) {
	srv := newEmulator(t)
	defer http.DefaultClient.CloseIdleConnections()
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	all := []string{"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date", "x-acs-signature-nonce", "x-acs-version"}
	without := func(name string) []string {
		var out []string
		for _, h := range all {
			if h != name {
				out = append(out, h)
			}
		}
		return out
	}
	for _, tc := range []struct {
		name   string
		signed []string
		edit   func(*http.Request) // applied after signing
		status int
		code   string
	}{
		{"all signed", all, nil, 200, ""},
		{"host only", []string{"host"}, nil, 400, ecsemu.CodeIncompleteSignature},
		{"host only, action changed after signing", []string{"host"},
			func(r *http.Request) { r.Header.Set("x-acs-action", "DescribeTasks") }, 400, ecsemu.CodeIncompleteSignature},
		{"without x-acs-action", without("x-acs-action"), nil, 400, ecsemu.CodeIncompleteSignature},
		{"without x-acs-version", without("x-acs-version"), nil, 400, ecsemu.CodeIncompleteSignature},
		{"without x-acs-signature-nonce", without("x-acs-signature-nonce"), nil, 400, ecsemu.CodeIncompleteSignature},
		{"without host", without("host"), nil, 400, ecsemu.CodeIncompleteSignature},
		{"unsigned extra x-acs header", all,
			func(r *http.Request) { r.Header.Set("x-acs-extra", "1") }, 400, ecsemu.CodeIncompleteSignature},
		{"unsigned other header", all,
			func(r *http.Request) { r.Header.Set("X-Other", "1") }, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			params := url.Values{"RegionId": {"cn-hangzhou"}, "TaskId": {id}}
			req := signOnly("POST", srv.Endpoint(), "DescribeTaskAttribute", params,
				ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret, tc.signed)
			if tc.edit != nil {
				tc.edit(req)
			}
			st, body := do(t, req)
			if st != tc.status {
				t.Errorf("status %d, want %d (%v)", st, tc.status, body)
			}
			if tc.code != "" && body["Code"] != tc.code {
				t.Errorf("Code %v, want %s", body["Code"], tc.code)
			}
		})
	}
}
