package ecsemu_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

const (
	accountA = "1111111111111111"
	accountB = "2222222222222222"
)

// twoAccounts is an emulator with a key in each of two accounts and an SDK client of each.
func twoAccounts(t *testing.T, opts ...ecsemu.Option) (srv *ecsemu.Server, a, b *ecs.Client) {
	t.Helper()
	srv = newEmulator(t, append([]ecsemu.Option{
		ecsemu.WithAccountCredentials(accountA, "ak-a", "secret-a"),
		ecsemu.WithAccountCredentials(accountB, "ak-b", "secret-b"),
	}, opts...)...)
	return srv, newClient(t, srv, clientOpts{ak: "ak-a", secret: "secret-a"}), newClient(t, srv, clientOpts{ak: "ak-b", secret: "secret-b"})
}

func addScripted(t *testing.T, srv *ecsemu.Server, account string) string {
	t.Helper()
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Account: account, Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// A key sees, lists and cancels the tasks of its own account only; another account's task is
// unknown to it, as ECS answers for a task of another account.
func TestAccountsSeeOnlyTheirTasks(t *testing.T) {
	srv, a, b := twoAccounts(t)
	ofA, ofB := addScripted(t, srv, accountA), addScripted(t, srv, accountB)
	exp, err := b.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-hangzhou"), ImageId: tea.String("m-1"), OSSBucket: tea.String("bkt")})
	if err != nil {
		t.Fatal(err)
	}
	created := tea.StringValue(exp.Body.TaskId)

	for _, tc := range []struct {
		name   string
		c      *ecs.Client
		own    []string
		others []string
	}{
		{"account A", a, []string{ofA}, []string{ofB, created}},
		{"account B", b, []string{created, ofB}, []string{ofA}},
	} {
		for _, id := range tc.own {
			if _, err := describe(tc.c, "cn-hangzhou", id); err != nil {
				t.Errorf("%s: its own task %s: %v", tc.name, id, err)
			}
		}
		for _, id := range tc.others {
			_, err := describe(tc.c, "cn-hangzhou", id)
			if code, status := sdkCode(t, err); code != ecsemu.CodeInvalidTaskNotFound || status != 400 {
				t.Errorf("%s: another account's task %s: %s %d, want 400 %s", tc.name, id, code, status, ecsemu.CodeInvalidTaskNotFound)
			}
			_, err = tc.c.CancelTask(&ecs.CancelTaskRequest{RegionId: tea.String("cn-hangzhou"), TaskId: tea.String(id)})
			if code, _ := sdkCode(t, err); code != ecsemu.CodeInvalidTaskNotFound {
				t.Errorf("%s: cancel of another account's task %s: %s, want %s", tc.name, id, code, ecsemu.CodeInvalidTaskNotFound)
			}
		}
		all := append(slices.Clone(tc.own), tc.others...)
		for _, req := range []*ecs.DescribeTasksRequest{
			{RegionId: tea.String("cn-hangzhou")},
			{RegionId: tea.String("cn-hangzhou"), TaskIds: tea.String(strings.Join(all, ","))},
		} {
			got := ids(list(t, tc.c, req))
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.own))
			if !slices.Equal(got, want) {
				t.Errorf("%s: DescribeTasks (TaskIds %q) lists %v, want %v", tc.name, tea.StringValue(req.TaskIds), got, want)
			}
		}
	}
	if calls := srv.Calls(ofA); len(calls) == 0 || calls[0].Account != accountA || calls[0].AccessKeyID != "ak-a" {
		t.Errorf("calls of %s = %+v, want the first by account %s, key ak-a", ofA, calls, accountA)
	}
}

// The default key pair and keys given without an account belong to DefaultAccountID, as do
// tasks added without one.
func TestDefaultAccount(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithCredentials("plain", "s"), ecsemu.WithAccountCredentials(accountA, "ak-a", "secret-a"))
	id := addScripted(t, srv, "")
	if _, err := describe(newClient(t, srv, clientOpts{ak: "plain", secret: "s"}), "cn-hangzhou", id); err != nil {
		t.Errorf("a key without an account: %v", err)
	}
	_, err := describe(newClient(t, srv, clientOpts{ak: "ak-a", secret: "secret-a"}), "cn-hangzhou", id)
	if code, _ := sdkCode(t, err); code != ecsemu.CodeInvalidTaskNotFound {
		t.Errorf("account A sees a task of the default account: %s", code)
	}
	def := newEmulator(t)
	if _, err := describe(newClient(t, def, clientOpts{}), "cn-hangzhou", addScripted(t, def, ecsemu.DefaultAccountID)); err != nil {
		t.Errorf("the default pair: %v", err)
	}
}

// Quotas count per account and region: one account's calls never use another's.
func TestQuotasPerAccount(t *testing.T) {
	frozen := time.Now()
	srv, a, b := twoAccounts(t, ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, 1), ecsemu.WithClock(func() time.Time { return frozen }))
	ofA, ofB := addScripted(t, srv, accountA), addScripted(t, srv, accountB)
	if _, err := describe(a, "cn-hangzhou", ofA); err != nil {
		t.Fatalf("A's first call: %v", err)
	}
	if _, err := describe(a, "cn-hangzhou", ofA); err == nil {
		t.Fatal("A's second call in the same instant was not throttled")
	} else if code, _ := sdkCode(t, err); code != ecsemu.CodeThrottlingUser {
		t.Fatalf("A's second call: %s, want %s", code, ecsemu.CodeThrottlingUser)
	}
	if _, err := describe(b, "cn-hangzhou", ofB); err != nil {
		t.Errorf("B's first call after A used its quota: %v", err)
	}
	// Another region of A has its own quota too.
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-beijing", Account: accountA, Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := describe(a, "cn-beijing", id); err != nil {
		t.Errorf("A in another region: %v", err)
	}
}

func TestAccountOptionsAreChecked(t *testing.T) {
	for name, opt := range map[string]ecsemu.Option{
		"account not digits": ecsemu.WithAccountCredentials("prod", "ak", "s"),
		"account too long":   ecsemu.WithAccountCredentials("123456789012345678901234567890123", "ak", "s"),
		"empty key ID":       ecsemu.WithAccountCredentials(accountA, "", "s"),
		"role account":       ecsemu.WithRole(ecsemu.Role{AccountID: "x", Name: "r"}),
		"role name":          ecsemu.WithRole(ecsemu.Role{AccountID: accountA, Name: "a/b"}),
		"trusted account":    ecsemu.WithRole(ecsemu.Role{AccountID: accountA, Name: "r", TrustedAccounts: []string{"x"}}),
		"session duration":   ecsemu.WithRole(ecsemu.Role{AccountID: accountA, Name: "r", MaxSessionDuration: time.Minute}),
		"STS lifetime":       ecsemu.WithSTSLifetime(-time.Second),
	} {
		if err := ecsemu.CheckOptions(opt); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	twice := ecsemu.Role{AccountID: accountA, Name: "r"}
	if err := ecsemu.CheckOptions(ecsemu.WithRole(twice), ecsemu.WithRole(ecsemu.Role{AccountID: accountA, Name: "R"})); err == nil {
		t.Error("a role given twice (names differ in case only) accepted")
	}
	srv := newEmulator(t)
	for name, sc := range map[string]ecsemu.Script{"script": {RegionID: "cn-hangzhou", Account: "prod", Steps: []ecsemu.Step{{Status: "Waiting"}}}} {
		if _, err := srv.AddTask(sc); err == nil {
			t.Errorf("%s with a malformed account accepted", name)
		}
	}
	if _, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Account: "prod"}); err == nil {
		t.Error("timed task with a malformed account accepted")
	}
}

// An observer sees every answered call with its action, account, region and code, throttled
// ones and batch checks (which Calls does not keep) included.
func TestCallObserverSeesEveryCall(t *testing.T) {
	frozen := time.Now()
	var mu sync.Mutex
	var seen []ecsemu.Call
	srv, a, b := twoAccounts(t, ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, 1), ecsemu.WithClock(func() time.Time { return frozen }),
		ecsemu.WithCallObserver(func(c ecsemu.Call) { mu.Lock(); seen = append(seen, c); mu.Unlock() }))
	ofA := addScripted(t, srv, accountA)
	_, _ = describe(a, "cn-hangzhou", ofA)
	_, _ = describe(a, "cn-hangzhou", ofA) // throttled
	list(t, b, &ecs.DescribeTasksRequest{RegionId: tea.String("cn-shanghai"), TaskIds: tea.String(ofA)})

	type key struct{ action, account, region, code string }
	var got []key
	mu.Lock()
	for _, c := range seen {
		if !c.Time.Equal(frozen) {
			t.Errorf("call %+v: time %s, want the emulator's clock %s", c, c.Time, frozen)
		}
		got = append(got, key{c.Action, c.Account, c.RegionID, c.Code})
	}
	mu.Unlock()
	want := []key{
		{ecsemu.ActionDescribeTaskAttribute, accountA, "cn-hangzhou", ecsemu.CodeOK},
		{ecsemu.ActionDescribeTaskAttribute, accountA, "cn-hangzhou", ecsemu.CodeThrottlingUser},
		{ecsemu.ActionDescribeTasks, accountB, "cn-shanghai", ecsemu.CodeOK},
	}
	if !slices.Equal(got, want) {
		t.Errorf("observed %v, want %v", got, want)
	}
}
