package ecsapi

import (
	"github.com/taskpoller/taskpoller/events"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.TaskAPI = (*Client)(nil)

// Credential signs ECS calls (github.com/aliyun/credentials-go).
type Credential = credentials.Credential

// Config selects the endpoint and credentials. The zero value talks to the official regional
// endpoints with the default credential chain and a 10 s timeout per call.
type Config struct {
	// Endpoint is a URL such as "http://127.0.0.1:8080"; its scheme picks HTTP or HTTPS.
	// Empty: the official endpoint of each task's region, as the SDK resolves it.
	Endpoint string
	// Credential signs requests; nil: the default chain of github.com/aliyun/credentials-go
	// (environment, OIDC, profile, ECS RAM role, credentials URI). NewAccountCredential
	// builds that of an account of the accounts file. Its errors are never shown as they
	// are, as they can quote credential files (see redactedCredential).
	Credential credentials.Credential
	// Timeout bounds each call, connection included. Zero means 10 s.
	Timeout time.Duration
}

// Client calls ECS. The SDK's clients are not safe for concurrent use (each call rewrites
// fields of the client, and the SDK's shared HTTP client has its timeout rewritten under
// every request), so Client keeps a pool of SDK clients per region, lends one to each call,
// and gives them all one plain *http.Client of its own. The pool of a region unused for
// poolIdle is dropped (see pool.go), so memory does not grow with every region id ever seen.
type Client struct {
	cfg      Config
	protocol string
	host     string // from Config.Endpoint; empty for official endpoints
	cred     credentials.Credential
	http     httpCaller

	now      func() time.Time // the clock; time.Now except in tests
	poolIdle time.Duration    // drop a region's pool unused for this long

	mu        sync.Mutex
	pools     map[string]*regionPool
	lastSweep time.Time
}

// httpCaller lets the SDK send requests through a plain, concurrency-safe *http.Client.
type httpCaller struct{ c *http.Client }

// Call implements the SDK's dara.HttpClient; the SDK's per-request transport is ignored.
// The response body is cut off after MaxResponseBytes (see limitedBody).
func (h httpCaller) Call(req *http.Request, _ *http.Transport) (*http.Response, error) {
	resp, err := h.c.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body = newLimitedBody(resp.Body, MaxResponseBytes)
	return resp, nil
}

// New checks cfg and builds a Client. It makes no call.
func New(cfg Config) (*Client, error) {
	c := &Client{cfg: cfg, protocol: "https", now: time.Now, poolIdle: defaultPoolIdle, pools: map[string]*regionPool{}}
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = 10 * time.Second
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = poolSize
	c.http = httpCaller{c: &http.Client{Timeout: c.cfg.Timeout, Transport: tr}}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("ecs endpoint %q: want a URL such as http://127.0.0.1:8080", cfg.Endpoint)
		}
		c.protocol, c.host = u.Scheme, u.Host
	}
	cred := cfg.Credential
	if cred == nil {
		var err error
		if cred, err = credentials.NewCredential(nil); err != nil {
			return nil, fmt.Errorf("alibaba cloud credentials: %w", err)
		}
	}
	if r, ok := cred.(redactedCredential); ok {
		c.cred = r // NewAccountCredential's: already redacted and serialized
	} else {
		c.cred = newRedactedCredential(cred)
	}
	return c, nil
}

// Endpoint returns the host the client calls for region: the host of Config.Endpoint, or else
// the official endpoint the SDK resolves for region (see newSDKClient); "" if the SDK resolves
// none (an empty region).
func (c *Client) Endpoint(region string) string {
	if c.host != "" {
		return c.host
	}
	cl, err := c.newSDKClient(region)
	if err != nil {
		return ""
	}
	return tea.StringValue(cl.Endpoint)
}

// runtime returns the per-call SDK options. They are empty: the SDK's timeouts only configure
// its own HTTP transport, which Client replaces (c.http carries Config.Timeout), and the SDK
// never retries.
func (c *Client) runtime() *dara.RuntimeOptions { return &dara.RuntimeOptions{} }

// DescribeTask calls DescribeTaskAttribute.
func (c *Client) DescribeTask(ctx context.Context, region, taskID string) (poller.Task, error) {
	cl, err := c.client(region)
	if err != nil {
		return poller.Task{}, err
	}
	defer c.release(region, cl)
	req := &ecs.DescribeTaskAttributeRequest{RegionId: tea.String(region), TaskId: tea.String(taskID)}
	resp, err := cl.DescribeTaskAttributeWithContext(ctx, req, c.runtime())
	if err != nil {
		return poller.Task{}, convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return poller.Task{}, noBody("DescribeTaskAttribute")
	}
	return toTask(resp.Body, region, taskID), nil
}

// noBody is the error of a call answered without a body (the SDK gives none for a 200 with
// null or nothing); poller.Classify finds it transient.
func noBody(action string) error {
	return &poller.APIError{Code: "EmptyResponse", Message: action + " returned no body"}
}

func toTask(b *ecs.DescribeTaskAttributeResponseBody, region, taskID string) poller.Task {
	t := poller.Task{
		TaskID:        tea.StringValue(b.TaskId),
		RegionID:      tea.StringValue(b.RegionId),
		Action:        poller.ParseAction(tea.StringValue(b.TaskAction)),
		Status:        poller.ParseStatus(tea.StringValue(b.TaskStatus)),
		Process:       tea.StringValue(b.TaskProcess),
		CreationTime:  tea.StringValue(b.CreationTime),
		FinishedTime:  tea.StringValue(b.FinishedTime),
		TotalCount:    int(tea.Int32Value(b.TotalCount)),
		SuccessCount:  int(tea.Int32Value(b.SuccessCount)),
		FailedCount:   int(tea.Int32Value(b.FailedCount)),
		SupportCancel: strings.EqualFold(tea.StringValue(b.SupportCancel), "true"),
	}
	if t.TaskID == "" {
		t.TaskID = taskID
	}
	if t.RegionID == "" {
		t.RegionID = region
	}
	if b.OperationProgressSet == nil {
		return t
	}
	for _, op := range b.OperationProgressSet.OperationProgress {
		if op == nil {
			continue
		}
		o := events.Operation{
			OperationStatus: tea.StringValue(op.OperationStatus),
			ErrorCode:       tea.StringValue(op.ErrorCode),
			ErrorMsg:        tea.StringValue(op.ErrorMsg),
		}
		if op.RelatedItemSet != nil {
			for _, it := range op.RelatedItemSet.RelatedItem {
				if it != nil {
					o.RelatedItems = append(o.RelatedItems, events.RelatedItem{Name: tea.StringValue(it.Name), Value: tea.StringValue(it.Value)})
				}
			}
		}
		t.Operations = append(t.Operations, o)
	}
	return t
}

// convertError turns the SDK's error answers into *poller.APIError; transport and decoding
// errors (*url.Error, *json.SyntaxError, ErrResponseTooLarge) are returned wrapped, as they
// are, so that poller.Classify finds them transient. A failed credential becomes ClientError
// (a worker error) wrapping poller.ErrNoCredentials (poller.WorkerFault: FaultCredentials),
// with a fixed description that never quotes the credential's own error.
func convertError(err error) error {
	var ce *credentialError
	if errors.As(err, &ce) {
		return &poller.APIError{Code: "ClientError", Message: ce.Error(), Cause: poller.ErrNoCredentials}
	}
	var te *tea.SDKError
	if errors.As(err, &te) {
		return apiError(tea.StringValue(te.Code), tea.IntValue(te.StatusCode), tea.StringValue(te.Message), tea.StringValue(te.Data), err)
	}
	var de *dara.SDKError
	if errors.As(err, &de) {
		return apiError(dara.StringValue(de.Code), dara.IntValue(de.StatusCode), dara.StringValue(de.Message), dara.StringValue(de.Data), err)
	}
	var ue *url.Error
	var se *json.SyntaxError
	if errors.As(err, &ue) || errors.As(err, &se) || errors.Is(err, ErrResponseTooLarge) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("ecs call: %w", err)
	}
	// Anything else failed inside the client before an answer (the credential's errors were
	// handled above).
	return &poller.APIError{Code: "ClientError", Message: err.Error()}
}

func apiError(code string, status int, msg, data string, cause error) error {
	e := &poller.APIError{Code: code, StatusCode: status, Message: msg}
	var body struct {
		RequestID string `json:"RequestId"`
		Message   string `json:"Message"`
	}
	if data != "" && json.Unmarshal([]byte(data), &body) == nil {
		e.RequestID = body.RequestID
		if body.Message != "" {
			e.Message = body.Message
		}
	}
	if code == "" {
		e.Code = "HTTP" + strconv.Itoa(status)
		if status == 0 {
			e.Code = "ClientError"
			e.Message = cause.Error()
		}
	}
	return e
}

// StaticCredential returns a credential for a fixed access key pair (and STS token, if not
// empty), for tests, the demo and the emulator; production uses the default chain.
func StaticCredential(accessKeyID, accessKeySecret, securityToken string) (credentials.Credential, error) {
	cfg := &credentials.Config{
		Type:            tea.String("access_key"),
		AccessKeyId:     tea.String(accessKeyID),
		AccessKeySecret: tea.String(accessKeySecret),
	}
	if securityToken != "" {
		cfg.Type = tea.String("sts")
		cfg.SecurityToken = tea.String(securityToken)
	}
	cred, err := credentials.NewCredential(cfg)
	if err != nil {
		return nil, fmt.Errorf("static credential: %w", err)
	}
	return cred, nil
}
