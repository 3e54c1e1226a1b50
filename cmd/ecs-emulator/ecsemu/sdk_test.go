package ecsemu_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// clientOpts tweak the SDK configuration of a test client.
type clientOpts struct {
	ak, secret, token string
	v2                bool
	proxy             string
	// ownHTTP gives the client its own http.Client. The SDK's default
	// pooled client writes http.Client.Timeout on every call while other
	// calls read it: a data race (tea v1.5.3 dara/core.go) that -race
	// reports as soon as two goroutines call the SDK at once.
	ownHTTP bool
}

// httpClient is a dara.HttpClient over a private http.Client.
type httpClient struct{ c *http.Client }

func (h httpClient) Call(r *http.Request, _ *http.Transport) (*http.Response, error) {
	return h.c.Do(r)
}

// newEmulator starts an emulator closed at the end of the test.
func newEmulator(t testing.TB, opts ...ecsemu.Option) *ecsemu.Server {
	t.Helper()
	srv, err := ecsemu.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// newClient returns the real SDK client pointed at srv, signing with the
// default key pair unless o says otherwise.
func newClient(t testing.TB, srv *ecsemu.Server, o clientOpts) *ecs.Client {
	t.Helper()
	if o.ak == "" {
		o.ak, o.secret = ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret
	}
	cc := new(credentials.Config).SetType("access_key").SetAccessKeyId(o.ak).SetAccessKeySecret(o.secret)
	if o.token != "" {
		cc = new(credentials.Config).SetType("sts").SetAccessKeyId(o.ak).SetAccessKeySecret(o.secret).SetSecurityToken(o.token)
	}
	cred, err := credentials.NewCredential(cc)
	if err != nil {
		t.Fatalf("credential: %v", err)
	}
	cfg := &openapiutil.Config{
		Endpoint:    tea.String(srv.Endpoint()),
		Protocol:    tea.String("http"),
		RegionId:    tea.String("cn-hangzhou"),
		Credential:  cred,
		ReadTimeout: tea.Int(10000),
	}
	if o.v2 {
		cfg.SignatureAlgorithm = tea.String("v2")
	}
	if o.proxy != "" {
		cfg.HttpProxy = tea.String(o.proxy)
	}
	if o.ownHTTP {
		tr := &http.Transport{MaxIdleConnsPerHost: 256}
		t.Cleanup(tr.CloseIdleConnections)
		cfg.HttpClient = httpClient{&http.Client{Transport: tr, Timeout: 10 * time.Second}}
	}
	c, err := ecs.NewClient(cfg)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c
}

// sdkCode returns the Code and HTTP status of an SDK error, failing the
// test if err is not a *tea.SDKError.
func sdkCode(t testing.TB, err error) (string, int) {
	t.Helper()
	var se *tea.SDKError
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not a *tea.SDKError", err, err)
	}
	return tea.StringValue(se.Code), tea.IntValue(se.StatusCode)
}

func describe(c *ecs.Client, region, id string) (*ecs.DescribeTaskAttributeResponseBody, error) {
	resp, err := c.DescribeTaskAttribute(&ecs.DescribeTaskAttributeRequest{RegionId: tea.String(region), TaskId: tea.String(id)})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}
