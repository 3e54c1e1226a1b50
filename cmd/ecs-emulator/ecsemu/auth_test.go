package ecsemu_test

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestLegacySignatureCoversTheAction checks that a request signed the legacy way (HMAC-SHA1
// over the parameters) cannot be turned into another action by an unsigned x-acs-action
// header.
func TestLegacySignatureCoversTheAction(t *testing.T) {
	srv := newEmulator(t)
	defer http.DefaultClient.CloseIdleConnections()
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: "ExportImage", Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, header string
		status       int
	}{
		{"signed action only", "", 200},
		{"the same action in the header", "DescribeTaskAttribute", 200},
		{"another action in an unsigned header", "CancelTask", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := legacySigned(srv.Endpoint(), "DescribeTaskAttribute", url.Values{"RegionId": {"cn-hangzhou"}, "TaskId": {id}},
				ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret)
			if tc.header != "" {
				req.Header.Set("x-acs-action", tc.header)
			}
			st, body := do(t, req)
			if st != tc.status {
				t.Errorf("status %d, want %d (%v)", st, tc.status, body)
			}
		})
	}
}

// legacySigned builds a POST signed with the RPC-style HMAC-SHA1 signature.
func legacySigned(endpoint, action string, params url.Values, ak, secret string) *http.Request {
	q := url.Values{}
	for k, v := range params {
		q[k] = v
	}
	q.Set("AccessKeyId", ak)
	q.Set("Action", action)
	q.Set("Format", "JSON")
	q.Set("SignatureMethod", "HMAC-SHA1")
	q.Set("SignatureNonce", strconv.FormatInt(time.Now().UnixNano(), 10))
	q.Set("SignatureVersion", "1.0")
	q.Set("Timestamp", time.Now().UTC().Format("2006-01-02T15:04:05Z"))
	q.Set("Version", "2014-05-26")
	pct := strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~")
	sts := "POST&%2F&" + url.QueryEscape(pct.Replace(q.Encode()))
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(sts))
	q.Set("Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	req, _ := http.NewRequest("POST", "http://"+endpoint+"/?"+q.Encode(), nil)
	return req
}
