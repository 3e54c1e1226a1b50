package ecsemu_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// TestErrorCodes drives every error answer through the real SDK and checks
// the Code, HTTP status and JSON error body.
func TestErrorCodes(t *testing.T) {
	srv := newEmulator(t,
		ecsemu.WithCredentials("ak1", "secret1"),
		ecsemu.WithCredentials("denied-ak", "denied-secret"),
		ecsemu.WithSecurityToken("STS.ak", "sts-secret", "token-1"),
		ecsemu.WithDeniedAccessKey("denied-ak"),
	)
	good := newClient(t, srv, clientOpts{ak: "ak1", secret: "secret1"})
	known, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing", Process: "10%"}}})
	if err != nil {
		t.Fatal(err)
	}
	attr := func(c *ecs.Client, region, id string) error {
		_, err := describe(c, region, id)
		return err
	}
	for _, tc := range []struct {
		name   string
		call   func() error
		code   string
		status int
	}{
		{"missing RegionId", func() error {
			_, err := good.DescribeTaskAttribute(&ecs.DescribeTaskAttributeRequest{TaskId: tea.String(known)})
			return err
		}, "MissingParameter", 400},
		{"missing TaskId", func() error { return attr(good, "cn-hangzhou", "") }, "MissingParameter", 400},
		{"unknown region", func() error { return attr(good, "xx-nowhere-1", known) }, "InvalidRegionId.NotFound", 400},
		{"unknown task", func() error { return attr(good, "cn-hangzhou", "t-000000000000000000zz") }, "InvalidTaskId.NotFound", 400},
		{"wrong secret", func() error {
			return attr(newClient(t, srv, clientOpts{ak: "ak1", secret: "nope"}), "cn-hangzhou", known)
		}, "SignatureDoesNotMatch", 400},
		{"unknown key", func() error { return attr(newClient(t, srv, clientOpts{ak: "who", secret: "x"}), "cn-hangzhou", known) }, "InvalidAccessKeyId.NotFound", 404},
		{"STS without token", func() error {
			return attr(newClient(t, srv, clientOpts{ak: "STS.ak", secret: "sts-secret"}), "cn-hangzhou", known)
		}, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"STS wrong token", func() error {
			return attr(newClient(t, srv, clientOpts{ak: "STS.ak", secret: "sts-secret", token: "token-2"}), "cn-hangzhou", known)
		}, "InvalidSecurityToken.MismatchWithAccessKey", 400},
		{"denied key", func() error {
			return attr(newClient(t, srv, clientOpts{ak: "denied-ak", secret: "denied-secret"}), "cn-hangzhou", known)
		}, "Forbidden.RAM", 403},
		{"v2 wrong secret", func() error {
			return attr(newClient(t, srv, clientOpts{ak: "ak1", secret: "nope", v2: true}), "cn-hangzhou", known)
		}, "SignatureDoesNotMatch", 400},
		{"unknown action", func() error { return callAction(good, "DescribeNothing") }, "InvalidAction.NotFound", 404},
		{"DescribeTasks PageSize 101", func() error {
			_, err := good.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou"), PageSize: tea.Int32(101)})
			return err
		}, "InvalidParameter", 400},
		{"DescribeTasks PageNumber 0", func() error {
			_, err := good.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou"), PageNumber: tea.Int32(0)})
			return err
		}, "InvalidParameter", 400},
		{"DescribeTasks 101 ids", func() error {
			ids := "t-0"
			for i := 1; i <= 100; i++ {
				ids += ",t-" + string(rune('a'+i%26)) + time.Duration(i).String()
			}
			_, err := good.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou"), TaskIds: tea.String(ids)})
			return err
		}, "InvalidParameter", 400},
		{"ExportImage bad format", func() error {
			_, err := good.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-hangzhou"), ImageId: tea.String("m-1"),
				OSSBucket: tea.String("b"), ImageFormat: tea.String("iso")})
			return err
		}, "InvalidParameter", 400},
		{"ExportImage no bucket", func() error {
			_, err := good.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-hangzhou"), ImageId: tea.String("m-1")})
			return err
		}, "MissingParameter", 400},
		{"ModifyDiskSpec no disk", func() error {
			_, err := good.ModifyDiskSpec(&ecs.ModifyDiskSpecRequest{DiskCategory: tea.String("cloud_essd")})
			return err
		}, "MissingParameter", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, status := sdkCode(t, tc.call())
			if code != tc.code || status != tc.status {
				t.Errorf("got %s %d, want %s %d", code, status, tc.code, tc.status)
			}
		})
	}
	// The legacy signature and STS tokens are accepted.
	for name, o := range map[string]clientOpts{
		"v2":     {ak: "ak1", secret: "secret1", v2: true},
		"STS":    {ak: "STS.ak", secret: "sts-secret", token: "token-1"},
		"v2 STS": {ak: "STS.ak", secret: "sts-secret", token: "token-1", v2: true},
	} {
		if err := attr(newClient(t, srv, o), "cn-hangzhou", known); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// callAction calls an arbitrary RPC action through the SDK's generic CallApi.
func callAction(c *ecs.Client, action string) error {
	_, err := c.CallApi(&openapiutil.Params{
		Action: tea.String(action), Version: tea.String("2014-05-26"), Protocol: tea.String("HTTPS"),
		Pathname: tea.String("/"), Method: tea.String("POST"), AuthType: tea.String("AK"), Style: tea.String("RPC"),
		ReqBodyType: tea.String("formData"), BodyType: tea.String("json"),
	}, &openapiutil.OpenApiRequest{Query: map[string]*string{"RegionId": tea.String("cn-hangzhou")}}, &dara.RuntimeOptions{})
	return err
}

func TestErrorBody(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	var se *tea.SDKError
	if _, err := describe(c, "cn-shanghai", "t-nope"); !errors.As(err, &se) {
		t.Fatalf("err %v, want SDKError", err)
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &body); err != nil {
		t.Fatalf("error body %q: %v", tea.StringValue(se.Data), err)
	}
	want := map[string]string{"Code": "InvalidTaskId.NotFound", "Message": `The specified "TaskId" is not found.`, "HostId": "ecs.cn-shanghai.aliyuncs.com"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %q", k, body[k], v)
		}
	}
	for _, k := range []string{"RequestId", "Recommend"} {
		if s, _ := body[k].(string); s == "" {
			t.Errorf("no %s in %v", k, body)
		}
	}
}

// TestTimeStampExpired shifts the emulator clock by 20 minutes.
func TestTimeStampExpired(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithClock(func() time.Time { return time.Now().Add(20 * time.Minute) }))
	code, status := sdkCode(t, callAction(newClient(t, srv, clientOpts{}), "DescribeTasks"))
	if code != "InvalidTimeStamp.Expired" || status != 400 {
		t.Errorf("got %s %d, want InvalidTimeStamp.Expired 400", code, status)
	}
}

// TestSignatureNonceUsed sends each SDK request twice through a forward
// proxy, so the second copy reuses the nonce.
func TestSignatureNonceUsed(t *testing.T) {
	srv := newEmulator(t)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var last *http.Response
		for range 2 {
			req, _ := http.NewRequest(r.Method, r.URL.String(), nil)
			req.Header = r.Header.Clone()
			resp, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			if last != nil {
				last.Body.Close()
			}
			last = resp
		}
		defer last.Body.Close()
		for k, v := range last.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(last.StatusCode)
		_, _ = io.Copy(w, last.Body)
	}))
	defer proxy.Close()
	defer http.DefaultTransport.(*http.Transport).CloseIdleConnections()
	u, _ := url.Parse(proxy.URL)
	c := newClient(t, srv, clientOpts{proxy: "http://" + u.Host})
	code, _ := sdkCode(t, callAction(c, "DescribeTasks"))
	if code != "SignatureNonceUsed" {
		t.Errorf("got %s, want SignatureNonceUsed", code)
	}
}
