package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

func TestMain(m *testing.M) {
	dir, err := trustEmulatorCertificate()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.Cleanup(func(code int) { _ = os.RemoveAll(dir); os.Exit(code) }))
}

func TestOfficialEndpoints(t *testing.T) {
	c, err := ecsapi.New(ecsapi.Config{Credential: mustCred(t, "a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	// As the SDK (ecs-20140526 v7.7.0) resolves them: its EndpointMap first, then the
	// regional rule ecs.<region>.aliyuncs.com.
	for _, tt := range []struct{ region, want string }{
		{"cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"},
		{"ap-southeast-1", "ecs.ap-southeast-1.aliyuncs.com"},
		{"eu-central-1", "ecs.eu-central-1.aliyuncs.com"},
		{"cn-shanghai-finance-1", "ecs-cn-hangzhou.aliyuncs.com"},
		{"cn-north-2-gov-1", "ecs.aliyuncs.com"},
		{"cn-zhangjiakou-na62-a01", "ecs.cn-zhangjiakou.aliyuncs.com"},
		{"", ""},
	} {
		if got := c.Endpoint(tt.region); got != tt.want {
			t.Errorf("Endpoint(%q) = %q, want %q", tt.region, got, tt.want)
		}
	}
	emu, err := ecsapi.New(ecsapi.Config{Endpoint: "http://127.0.0.1:8080", Credential: mustCred(t, "a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"cn-hangzhou", "cn-north-2-gov-1"} {
		if got := emu.Endpoint(region); got != "127.0.0.1:8080" {
			t.Errorf("with an explicit endpoint, Endpoint(%s) = %s, want 127.0.0.1:8080", region, got)
		}
	}
	for _, bad := range []string{"127.0.0.1:8080", "ftp://x", "http://"} {
		if _, err := ecsapi.New(ecsapi.Config{Endpoint: bad, Credential: mustCred(t, "a", "b")}); err == nil {
			t.Errorf("endpoint %q accepted", bad)
		}
	}
}

func mustCred(t *testing.T, id, secret string) ecsapi.Credential {
	c, err := ecsapi.StaticCredential(id, secret, "")
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Errors reach the poller as values it can classify, whatever shape the SDK gave them.
func TestErrorsAreClassifiable(t *testing.T) {
	emu, err := ecsemu.New(ecsemu.WithCredentials("ak", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	id, err := emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{
		{Error: "BadGateway", Times: 1}, {Error: "Throttling.User", Times: 1}, {Status: "Processing", Process: "5%"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	good, _ := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, "ak", "secret")})
	wrong, _ := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, "ak", "nope")})
	unknown, _ := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, "who", "secret")})
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := "http://" + ln.Addr().String()
	ln.Close()
	refused, _ := ecsapi.New(ecsapi.Config{Endpoint: dead, Credential: mustCred(t, "ak", "secret"), Timeout: time.Second})

	check := func(name string, c *ecsapi.Client, region, task string, class poller.Class, code string) {
		t.Helper()
		_, err := c.DescribeTask(ctx, region, task)
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		if got := poller.Classify(err); got != class {
			t.Errorf("%s: class %s, want %s (%v)", name, got, class, err)
		}
		if got := poller.ErrorCode(err); got != code {
			t.Errorf("%s: code %q, want %q", name, got, code)
		}
	}
	check("non-JSON 502", good, "cn-hangzhou", id, poller.ClassTransient, "BadResponseBody")
	check("throttled", good, "cn-hangzhou", id, poller.ClassThrottled, "Throttling.User")
	task, err := good.DescribeTask(ctx, "cn-hangzhou", id)
	if err != nil || task.Status != poller.StatusProcessing || task.Process != "5%" || task.TaskID != id {
		t.Errorf("task = %+v, %v", task, err)
	}
	check("wrong secret", wrong, "cn-hangzhou", id, poller.ClassWorker, "SignatureDoesNotMatch")
	check("unknown key", unknown, "cn-hangzhou", id, poller.ClassWorker, "InvalidAccessKeyId.NotFound")
	check("unknown task", good, "cn-hangzhou", "t-nosuchtask0000000000", poller.ClassNotFound, "InvalidTaskId.NotFound")
	check("unknown region", good, "xx-nowhere-1", id, poller.ClassInvalidRegion, "InvalidRegionId.NotFound")
	check("connection refused", refused, "cn-hangzhou", id, poller.ClassTransient, "ConnectionError")
	var api *poller.APIError
	_, err = wrong.DescribeTask(ctx, "cn-hangzhou", id)
	if !errors.As(err, &api) || api.StatusCode != 400 || api.RequestID == "" {
		t.Errorf("API error = %+v", api)
	}
}
