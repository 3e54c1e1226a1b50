package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// End to end with the real credentials library: accounts-file credentials, built by
// NewAccountCredential, sign a Client's calls to the emulator, whose AssumeRole they reach over
// HTTPS (credentials-go calls STS over HTTPS only).

// trustEmulatorCertificate makes this test process trust the emulator's test certificate
// (SSL_CERT_FILE, read once by crypto/x509): TestMain calls it before any test runs. It
// returns the directory to remove at the end.
func trustEmulatorCertificate() (string, error) {
	dir, err := os.MkdirTemp("", "ecsapi-test")
	if err != nil {
		return "", err
	}
	path, err := ecsemu.WriteTestCertificate(dir)
	if err != nil {
		return dir, err
	}
	return dir, os.Setenv("SSL_CERT_FILE", path)
}

// The emulator's accounts: hub holds the keys that assume roles; prod has the role
// taskpoller, which hub may assume; staging has keys of its own and may not assume it.
const (
	hubAccount     = "1111111111111111"
	prodAccount    = "2222222222222222"
	stagingAccount = "3333333333333333"
	prodRole       = "acs:ram::" + prodAccount + ":role/taskpoller"
)

// accountsRig is an emulator of those accounts, its clock (moved by the test, near the real
// time the SDK signs with) and where the hub's secret is.
type accountsRig struct {
	emu        *ecsemu.Server
	now        *atomic.Int64 // the emulator's clock, Unix ns
	start      time.Time
	hubSecret  string // path of the file holding the hub key's secret
	stagSecret string
}

func newAccountsRig(t *testing.T, opts ...ecsemu.Option) *accountsRig {
	t.Helper()
	r := &accountsRig{now: new(atomic.Int64), start: time.Now().UTC()}
	r.now.Store(r.start.UnixNano())
	emu, err := ecsemu.New(append([]ecsemu.Option{
		ecsemu.WithTLS("127.0.0.1:0"),
		ecsemu.WithClock(func() time.Time { return time.Unix(0, r.now.Load()).UTC() }),
		ecsemu.WithAccountCredentials(hubAccount, "ak-hub", "secret-hub"),
		ecsemu.WithAccountCredentials(stagingAccount, "ak-staging", "secret-staging"),
		ecsemu.WithRole(ecsemu.Role{AccountID: prodAccount, Name: "taskpoller", TrustedAccounts: []string{hubAccount}, ExternalID: "fleet-1"}),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	r.emu = emu
	t.Setenv("HUB_AK_ID", "ak-hub")
	t.Setenv("STAGING_AK_ID", "ak-staging")
	r.hubSecret = writeFile(t, "hub-secret", "secret-hub\n")
	r.stagSecret = writeFile(t, "staging-secret", "secret-staging\n")
	return r
}

// file is the accounts file of yaml.
func (r *accountsRig) file(t *testing.T) ecsapi.AccountsFile {
	t.Helper()
	af, err := ecsapi.ParseAccounts([]byte(r.yaml()))
	if err != nil {
		t.Fatal(err)
	}
	return af
}

// yaml is an accounts file: prod through the role, assumed with the hub's key, and staging
// and hub with their own keys.
func (r *accountsRig) yaml() string {
	return fmt.Sprintf(`
accounts:
  - name: prod
    credential:
      kind: ram_role_arn
      role_arn: %s
      external_id: fleet-1
      duration: 15m
      sts_endpoint: %s
      source: {kind: access_key, access_key_id: {env: HUB_AK_ID}, access_key_secret: {file: %s}}
  - name: staging
    credential: {kind: access_key, access_key_id: {env: STAGING_AK_ID}, access_key_secret: {file: %s}}
  - name: hub
    credential: {kind: access_key, access_key_id: {env: HUB_AK_ID}, access_key_secret: {file: %s}}
`, prodRole, r.emu.TLSEndpoint(), r.hubSecret, r.stagSecret, r.hubSecret)
}

// client is a Client signing with the credential of account name of af.
func (r *accountsRig) client(t *testing.T, af ecsapi.AccountsFile, name string) *ecsapi.Client {
	t.Helper()
	a, ok := af.Account(name)
	if !ok {
		t.Fatalf("no account %s", name)
	}
	cred, err := ecsapi.NewAccountCredential(a)
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecsapi.New(ecsapi.Config{Endpoint: r.emu.URL(), Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tasks adds n tasks of account in cn-hangzhou and returns their IDs, sorted.
func (r *accountsRig) tasks(t *testing.T, account string, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		id, err := r.emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Account: account, Steps: []ecsemu.Step{{Status: "Processing"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// listed returns the IDs DescribeTasks lists for c in cn-hangzhou, sorted.
func listed(t *testing.T, c *ecsapi.Client) []string {
	t.Helper()
	page, err := c.ListTasks(context.Background(), poller.ListQuery{RegionID: "cn-hangzhou", PageNumber: 1, PageSize: poller.MaxBatch})
	if err != nil {
		t.Fatalf("ListTasks: %v", err)
	}
	var ids []string
	for _, lt := range page.Tasks {
		ids = append(ids, lt.TaskID)
	}
	slices.Sort(ids)
	return ids
}

// A ram_role_arn account, its role assumed through the emulator's STS with a key of another
// account, sees its own tasks only; its temporary key is kept while far from expiring.
func TestRoleAccountSeesOnlyItsTasks(t *testing.T) {
	r := newAccountsRig(t)
	ofProd, ofHub := r.tasks(t, prodAccount, 2), r.tasks(t, hubAccount, 1)
	c := r.client(t, r.file(t), "prod")
	ctx := context.Background()
	for _, id := range ofProd {
		task, err := c.DescribeTask(ctx, "cn-hangzhou", id)
		if err != nil || task.Status != poller.StatusProcessing {
			t.Fatalf("prod's task %s: %+v, %v", id, task, err)
		}
	}
	if _, err := c.DescribeTask(ctx, "cn-hangzhou", ofHub[0]); poller.Classify(err) != poller.ClassNotFound {
		t.Errorf("the hub's task seen through the role: %v, want not found", err)
	}
	if got := listed(t, c); !slices.Equal(got, ofProd) {
		t.Errorf("prod lists %v, want %v", got, ofProd)
	}
	if calls := r.emu.Calls(ofProd[0]); len(calls) != 1 || calls[0].Account != prodAccount || !strings.HasPrefix(calls[0].AccessKeyID, "STS.") {
		t.Errorf("calls of prod's task: %+v, want one signed by a temporary key of %s", calls, prodAccount)
	}
	// Five calls, one AssumeRole: the 15-minute key is far from credentials-go's refresh margin.
	if n := r.emu.CallCount(ecsemu.ActionAssumeRole); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}
}

// A temporary key that expires (60 s here) is replaced before it does: over three minutes of
// emulated time, calls 40 s apart never fail though every key they were signed with expired.
// credentials-go (v1.4.14) refreshes a key when it expires within 180 s by this machine's
// clock, at the next call that needs it; the emulator's clock only moves forward from the
// real time, so each key here is within that margin and the next call assumes the role anew.
func TestTemporaryCredentialRefreshedMidRun(t *testing.T) {
	r := newAccountsRig(t, ecsemu.WithSTSLifetime(time.Minute))
	id := r.tasks(t, prodAccount, 1)[0]
	c := r.client(t, r.file(t), "prod")
	const rounds, step = 5, 40 * time.Second
	for i := range rounds {
		r.now.Store(r.start.Add(time.Duration(i) * step).UnixNano())
		if _, err := c.DescribeTask(context.Background(), "cn-hangzhou", id); err != nil {
			t.Fatalf("call %d, %v into the run: %v", i, time.Duration(i)*step, err)
		}
	}
	calls := r.emu.Calls(id)
	keys := map[string]bool{}
	for _, call := range calls {
		if call.Code != ecsemu.CodeOK {
			t.Errorf("a call answered %s", call.Code)
		}
		keys[call.AccessKeyID] = true
	}
	if len(calls) != rounds || len(keys) != rounds {
		t.Errorf("%d calls signed with %d keys, want %d calls each with a key of its own", len(calls), len(keys), rounds)
	}
	if n := r.emu.CallCount(ecsemu.ActionAssumeRole); n != rounds {
		t.Errorf("%d AssumeRole calls, want %d", n, rounds)
	}
	if n := r.emu.CodeCount(ecsemu.CodeSecurityTokenExpired); n != 0 {
		t.Errorf("%d calls with an expired key", n)
	}
}

// The keys of two accounts see two disjoint sets of tasks, each its own.
func TestTwoAccountsSeeDisjointTasks(t *testing.T) {
	r := newAccountsRig(t)
	ofStaging, ofHub := r.tasks(t, stagingAccount, 3), r.tasks(t, hubAccount, 2)
	af := r.file(t)
	staging, hub := r.client(t, af, "staging"), r.client(t, af, "hub")
	if got := listed(t, staging); !slices.Equal(got, ofStaging) {
		t.Errorf("staging lists %v, want %v", got, ofStaging)
	}
	if got := listed(t, hub); !slices.Equal(got, ofHub) {
		t.Errorf("hub lists %v, want %v", got, ofHub)
	}
	st, err := staging.DescribeTasks(context.Background(), "cn-hangzhou", append(slices.Clone(ofStaging), ofHub...))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range st {
		got = append(got, s.TaskID)
	}
	slices.Sort(got)
	if !slices.Equal(got, ofStaging) {
		t.Errorf("staging's DescribeTasks naming both accounts' tasks answers %v, want %v", got, ofStaging)
	}
}

// A wrong secret is refused: a key's signature by ECS, a role's source by STS, whose refusal
// is a credential failure naming the account and its kind, quoting nothing.
func TestWrongSecretIsRefused(t *testing.T) {
	r := newAccountsRig(t)
	id := r.tasks(t, prodAccount, 1)[0]
	ofStaging := r.tasks(t, stagingAccount, 1)[0]
	af := r.file(t)
	if err := os.WriteFile(r.stagSecret, []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	staging := r.client(t, af, "staging")
	_, err := staging.DescribeTask(context.Background(), "cn-hangzhou", ofStaging)
	if poller.ErrorCode(err) != "SignatureDoesNotMatch" || poller.Classify(err) != poller.ClassWorker {
		t.Errorf("a wrong key secret: %v, want SignatureDoesNotMatch, a worker error", err)
	}
	if err := os.WriteFile(r.hubSecret, []byte(planted), 0o600); err != nil {
		t.Fatal(err)
	}
	prod := r.client(t, af, "prod")
	_, err = prod.DescribeTask(context.Background(), "cn-hangzhou", id)
	var api *poller.APIError
	if !errors.As(err, &api) || !errors.Is(err, poller.ErrNoCredentials) || poller.Classify(err) != poller.ClassWorker {
		t.Fatalf("a role whose source has a wrong secret: %v (%T), want a credential failure", err, err)
	}
	for _, w := range []string{"account prod (ram_role_arn)", "failed: ram_role_arn", "accounts file"} {
		if !strings.Contains(api.Message, w) {
			t.Errorf("%q does not say %q", api.Message, w)
		}
	}
	if strings.Contains(fmt.Sprintf("%v %+v", err, api), planted) {
		t.Errorf("the failure quotes the secret: %v", err)
	}
	if n := r.emu.TaskCallCount(id); n != 0 {
		t.Errorf("%d ECS calls made without a credential", n)
	}
	if n := r.emu.CodeCount(ecsemu.CodeSignatureDoesNotMatch); n != 2 {
		t.Errorf("%d answers SignatureDoesNotMatch, want 2 (ECS and STS)", n)
	}
}

// Another account's key may not assume the role, nor the right one without the external ID.
func TestRoleTrustIsChecked(t *testing.T) {
	r := newAccountsRig(t)
	id := r.tasks(t, prodAccount, 1)[0]
	for name, replace := range map[string][2]string{
		"untrusted source":    {"access_key_id: {env: HUB_AK_ID}, access_key_secret: {file: " + r.hubSecret + "}}", "access_key_id: {env: STAGING_AK_ID}, access_key_secret: {file: " + r.stagSecret + "}}"},
		"no external ID":      {"      external_id: fleet-1\n", ""},
		"another external ID": {"external_id: fleet-1", "external_id: fleet-2"},
	} {
		doc := r.yaml()
		if !strings.Contains(doc, replace[0]) {
			t.Fatalf("%s: the file has no %q", name, replace[0])
		}
		af, err := ecsapi.ParseAccounts([]byte(strings.Replace(doc, replace[0], replace[1], 1)))
		if err != nil {
			t.Fatal(err)
		}
		c := r.client(t, af, "prod")
		_, err = c.DescribeTask(context.Background(), "cn-hangzhou", id)
		if !errors.Is(err, poller.ErrNoCredentials) {
			t.Errorf("%s: %v, want a credential failure", name, err)
		}
	}
	if n := r.emu.CodeCount(ecsemu.CodeNoPermission); n != 3 {
		t.Errorf("%d answers NoPermission, want 3", n)
	}
}

// The emulator's HTTPS listener serves ECS too, and a Client trusts it as credentials-go does
// (the system roots, here SSL_CERT_FILE).
func TestClientOverHTTPS(t *testing.T) {
	r := newAccountsRig(t)
	id := r.tasks(t, hubAccount, 1)[0]
	c, err := ecsapi.New(ecsapi.Config{Endpoint: "https://" + r.emu.TLSEndpoint(), Credential: mustCred(t, "ak-hub", "secret-hub")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DescribeTask(context.Background(), "cn-hangzhou", id); err != nil {
		t.Errorf("over HTTPS: %v", err)
	}
}
