package ecsemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

func do(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	return resp.StatusCode, m
}

// TestWireVariants covers requests the SDK does not send by default: GET,
// unknown parameters, oversized bodies, a replayed request.
func TestWireVariants(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithMaxBodyBytes(1024))
	defer http.DefaultClient.CloseIdleConnections()
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	ak, sk := ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret
	params := func() url.Values {
		return url.Values{"RegionId": {"cn-hangzhou"}, "TaskId": {id}, "SomethingUnknown": {"x y*~"}}
	}
	for _, m := range []string{"GET", "POST"} {
		st, body := do(t, sign(m, srv.Endpoint(), "DescribeTaskAttribute", params(), ak, sk))
		if st != 200 || body["TaskId"] != id {
			t.Errorf("%s: %d %v", m, st, body)
		}
	}
	req := signedRequest(srv.Endpoint(), "DescribeTaskAttribute", params(), ak, sk)
	replay := req.Clone(req.Context())
	if st, _ := do(t, req); st != 200 {
		t.Fatalf("first: %d", st)
	}
	if st, body := do(t, replay); st != 400 || body["Code"] != "SignatureNonceUsed" {
		t.Errorf("replay: %d %v", st, body)
	}
	big, _ := http.NewRequest("POST", srv.URL()+"/", strings.NewReader(strings.Repeat("a", 4096)))
	big.Header.Set("x-acs-action", "DescribeTasks")
	if st, body := do(t, big); st != 413 || body["Code"] != "RequestEntityTooLarge" {
		t.Errorf("big body: %d %v", st, body)
	}
	noAuth, _ := http.NewRequest("POST", srv.URL()+"/?RegionId=cn-hangzhou", nil)
	noAuth.Header.Set("x-acs-action", "DescribeTasks")
	noAuth.Header.Set("x-acs-version", "2014-05-26")
	if st, body := do(t, noAuth); st != 400 || body["Code"] != "IncompleteSignature" {
		t.Errorf("unsigned: %d %v", st, body)
	}
	if got := srv.CodeCount("SignatureNonceUsed"); got != 1 {
		t.Errorf("CodeCount(SignatureNonceUsed) = %d", got)
	}
}
