package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap/zaptest"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// The emulator's accounts in the accounts test: platform's key is the default chain's (the
// environment), staging signs with its own key, prod is reached through a RAM role that hub's
// key assumes at the emulator's STS.
const (
	platformAccountID = ecsemu.DefaultAccountID
	stagingAccountID  = "3333333333333333"
	hubAccountID      = "1111111111111111"
	prodAccountID     = "2222222222222222"
)

// accountsFile is the file of the test: platform first (the default account), then staging
// (its own key, its own quota) and prod (a role assumed with hub's key, discovering
// cn-shanghai).
func accountsFile(t *testing.T, sts string) string {
	t.Helper()
	dir := t.TempDir()
	secret := filepath.Join(dir, "hub-secret")
	if err := os.WriteFile(secret, []byte("secret-hub\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "accounts.yaml")
	yaml := fmt.Sprintf(`accounts:
  - name: platform
    credential: {kind: default}
  - name: staging
    credential: {kind: access_key, access_key_id: {env: STAGING_AK_ID}, access_key_secret: {env: STAGING_AK_SECRET}}
    quotas: {DescribeTaskAttribute: 3, DescribeTasks: 3}
  - name: prod
    credential:
      kind: ram_role_arn
      role_arn: acs:ram::%s:role/taskpoller
      external_id: fleet-1
      duration: 15m
      sts_endpoint: %s
      source: {kind: access_key, access_key_id: {env: HUB_AK_ID}, access_key_secret: {file: %s}}
    discover_regions: [cn-shanghai]
`, prodAccountID, sts, secret)
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// One worker serves three accounts — the default chain, an access key, an STS role — each
// under its own credential and quota: every task ends with one terminal event on its account's
// subjects, every ECS call about a task is signed for the task's account (the role's by a
// temporary key, refreshed mid-run), no account is throttled, a task nobody registered is
// discovered in its account's region under that account, and a registration naming an account
// the fleet does not serve is refused.
func TestOneWorkerServesThreeAccounts(t *testing.T) {
	srv, err := natsjs.StartServer(natsjs.ServerConfig{Port: -1, StoreDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	// The role's keys last 185 s: credentials-go renews a key expiring within 180 s, so after
	// five seconds every call of prod's renews it first.
	emu, err := ecsemu.New(ecsemu.WithTLS("127.0.0.1:0"), ecsemu.WithSTSLifetime(185*time.Second),
		ecsemu.WithCredentials("ak-platform", "secret-platform"),
		ecsemu.WithAccountCredentials(stagingAccountID, "ak-staging", "secret-staging"),
		ecsemu.WithAccountCredentials(hubAccountID, "ak-hub", "secret-hub"),
		ecsemu.WithRole(ecsemu.Role{AccountID: prodAccountID, Name: "taskpoller", TrustedAccounts: []string{hubAccountID}, ExternalID: "fleet-1"}),
		ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, 4), ecsemu.WithQuota(ecsemu.ActionDescribeTasks, 4))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "ak-platform")
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "secret-platform")
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	t.Setenv("STAGING_AK_ID", "ak-staging")
	t.Setenv("STAGING_AK_SECRET", "secret-staging")
	t.Setenv("HUB_AK_ID", "ak-hub")

	var cfg runConfig
	args := []string{"--nats-url", srv.ClientURL(), "--ecs-endpoint", emu.URL(), "--accounts", accountsFile(t, emu.TLSEndpoint()),
		"--worker-id", "accounts-test", "--http-addr", "", "--api-qps", "3", "--poll-initial", "1s", "--poll-max", "2s"}
	if err := parse(cfg.flags(), args, io.Discard); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan struct{}), make(chan error, 1)
	go func() { done <- runWorker(ctx, cfg, srv.ClientURL(), ready, zaptest.NewLogger(t)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("worker: %v", err)
	case <-time.After(time.Minute):
		t.Fatal("the worker was not ready within a minute")
	}

	nc, err := nats.Connect(srv.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	base, _ := events.NewSubjects(events.DefaultPrefix)
	c := &accountEvents{byTask: map[string][]events.Event{}, changed: make(chan struct{}, 1)}
	for _, name := range []string{"", "staging", "prod"} {
		s := base
		if name != "" {
			s, _ = base.ForAccount(name)
		}
		c.follow(t, js, s, name)
	}

	accountOf := map[string]string{} // task → account name
	idOf := map[string]string{"platform": platformAccountID, "staging": stagingAccountID, "prod": prodAccountID}
	for _, name := range []string{"platform", "staging", "prod"} {
		for range 3 {
			id, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Account: idOf[name], Action: "ExportImage", Processing: 15 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			accountOf[id] = name
			reg := events.Registration{Account: name, RegionID: "cn-hangzhou", TaskID: id}
			if name == "platform" && len(accountOf)%2 == 0 {
				reg.Account = "" // the default account: naming it or not is the same
			}
			if _, err := natsclient.Register(ctx, js, base, reg); err != nil {
				t.Fatal(err)
			}
		}
	}
	found, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-shanghai", Account: prodAccountID, Action: "ExportImage", Processing: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	accountOf[found] = "prod" // never registered: prod's discovery lists cn-shanghai
	// An account this worker's file does not name, but another worker of the fleet serves (its
	// streams exist: a newer file, rolling out): its registration is forwarded, not refused.
	extra, _ := base.ForAccount("extra")
	if _, err := natsjs.Setup(ctx, js, extra, natsjs.SetupConfig{}); err != nil {
		t.Fatal(err)
	}
	if _, err := natsclient.Register(ctx, js, base, events.Registration{Account: "extra", RegionID: "cn-hangzhou", TaskID: "t-extras"}); err != nil {
		t.Fatal(err)
	}
	if _, err := natsclient.Register(ctx, js, base, events.Registration{Account: "nobody", RegionID: "cn-hangzhou", TaskID: "t-nobodys"}); err != nil {
		t.Fatal(err)
	}
	c.wait(t, 2*time.Minute, func() bool {
		for id := range accountOf {
			if c.terminals(id) == 0 {
				return false
			}
		}
		return c.invalid() > 0
	})

	var prodKeys []string // the keys that signed the calls about prod's tasks
	for id, name := range accountOf {
		if n := c.terminals(id); n != 1 {
			t.Errorf("task %s of %s: %d terminal events, want 1", id, name, n)
		}
		for _, ev := range c.events(id) {
			wantSource := "/taskpoller/ecs/" + name + "/" + ev.Data.RegionID
			if ev.Data.Account != name || ev.Source != wantSource || ev.Data.TaskStatus == "" {
				t.Errorf("task %s: %s event says account %q, source %q; want %q, %q", id, ev.Type, ev.Data.Account, ev.Source, name, wantSource)
			}
			if want := id == found; (ev.Data.Origin == events.OriginDiscovered) != want {
				t.Errorf("task %s: %s event says origin %q", id, ev.Type, ev.Data.Origin)
			}
		}
		c.mu.Lock()
		stream := c.streamOf[id]
		c.mu.Unlock()
		if want := accountStream(name); stream != want {
			t.Errorf("task %s of %s: events on the stream of account %q, want %q", id, name, stream, want)
		}
		for _, call := range emu.Calls(id) {
			if call.Account != idOf[name] {
				t.Errorf("task %s of %s: a %s call signed for account %s", id, name, call.Action, call.Account)
			}
			if name == "prod" && !slices.Contains(prodKeys, call.AccessKeyID) {
				prodKeys = append(prodKeys, call.AccessKeyID)
			}
		}
	}
	if len(prodKeys) < 2 || slices.Contains(prodKeys, "ak-hub") {
		t.Errorf("prod's tasks were polled with the keys %v; want temporary keys of the role, renewed mid-run", prodKeys)
	}
	t.Logf("%d AssumeRole calls", emu.CallCount(ecsemu.ActionAssumeRole))
	if n := emu.CallCount(ecsemu.ActionAssumeRole); n < 2 {
		t.Errorf("%d AssumeRole calls: the role's temporary key was never renewed", n)
	}
	if n := emu.CodeCount("Throttling.User"); n != 0 {
		t.Errorf("the emulator throttled %d calls: an account's quota was exceeded", n)
	}
	st, err := js.Stream(ctx, extra.StreamName(events.RegistrationsRole))
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs != 1 {
		t.Errorf("the registration of an account another worker serves: %d messages in its stream, want 1 forwarded", info.State.Msgs)
	}
	if reason := c.invalidReason(); strings.Contains(reason, `"extra"`) {
		t.Errorf("the registration of an account another worker serves was refused: %s", reason)
	}
	if reason := c.invalidReason(); !strings.Contains(reason, `account "nobody"`) || !strings.Contains(reason, "platform, prod, staging") {
		t.Errorf("the refusal of an unknown account says %q", reason)
	}
}

// accountStream is the events stream of account name ("platform", the default, has the
// prefix's own).
func accountStream(name string) string {
	base, _ := events.NewSubjects(events.DefaultPrefix)
	if name == "platform" {
		return base.StreamName(events.EventsRole)
	}
	s, _ := base.ForAccount(name)
	return s.StreamName(events.EventsRole)
}

// accountEvents collects the events of several accounts' streams.
type accountEvents struct {
	mu       sync.Mutex
	byTask   map[string][]events.Event
	streamOf map[string]string
	refused  []string
	changed  chan struct{}
}

func (c *accountEvents) follow(t *testing.T, js jetstream.JetStream, s events.Subjects, name string) {
	t.Helper()
	stream := s.StreamName(events.EventsRole)
	var cons jetstream.Consumer
	var err error
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if cons, err = js.OrderedConsumer(context.Background(), stream, jetstream.OrderedConsumerConfig{}); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("read %s: %v", stream, err)
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.streamOf == nil {
			c.streamOf = map[string]string{}
		}
		if m.Subject() == s.Invalid() {
			var inv events.Invalid
			_ = json.Unmarshal(m.Data(), &inv)
			c.refused = append(c.refused, inv.Data.Reason)
		} else {
			var ev events.Event
			_ = json.Unmarshal(m.Data(), &ev)
			c.byTask[ev.Subject] = append(c.byTask[ev.Subject], ev)
			c.streamOf[ev.Subject] = stream
		}
		select {
		case c.changed <- struct{}{}:
		default:
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cc.Stop)
}

func (c *accountEvents) events(id string) []events.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.byTask[id])
}

func (c *accountEvents) terminals(id string) int {
	n := 0
	for _, ev := range c.events(id) {
		if ev.Type == events.TypeFinished || ev.Type == events.TypeFailed {
			n++
		}
	}
	return n
}

func (c *accountEvents) invalid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.refused)
}

func (c *accountEvents) invalidReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.refused, "; ")
}

func (c *accountEvents) wait(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !cond() {
		select {
		case <-c.changed:
		case <-deadline.C:
			t.Fatalf("timed out after %s: events %v, refused %v", timeout, c.byTask, c.refused)
		}
	}
}
