package ecsapi

import (
	"context"
	"errors"
	"net/http"
	"testing"
)

// hostRecorder records the host of each request and answers none.
type hostRecorder struct{ hosts []string }

func (h *hostRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	h.hosts = append(h.hosts, req.URL.Host)
	return nil, errors.New("no network in tests")
}

// Calls go to the endpoint the SDK resolves for the task's region, not to a host built here.
func TestCallsGoToTheEndpointTheSDKResolves(t *testing.T) {
	cred, err := StaticCredential("ak", "secret", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	rec := &hostRecorder{}
	c.http = httpCaller{c: &http.Client{Transport: rec}}
	for _, tt := range []struct{ region, want string }{
		{"cn-hangzhou", "ecs-cn-hangzhou.aliyuncs.com"},
		{"ap-southeast-1", "ecs.ap-southeast-1.aliyuncs.com"},
		{"cn-shenzhen-finance-1", "ecs-cn-hangzhou.aliyuncs.com"},
	} {
		rec.hosts = nil
		if _, err := c.DescribeTask(context.Background(), tt.region, "t-1"); err == nil {
			t.Fatalf("%s: the call succeeded without a network", tt.region)
		}
		if len(rec.hosts) != 1 || rec.hosts[0] != tt.want {
			t.Errorf("%s: called %v, want [%s]", tt.region, rec.hosts, tt.want)
		}
	}
}
