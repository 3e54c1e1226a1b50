package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// accountsDefaults is the configuration of `bench-scale accounts` without flags.
func accountsDefaults(t *testing.T, args ...string) accountsConfig {
	t.Helper()
	var c accountsConfig
	if err := parse(c.flags(), args, io.Discard); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAccountsConfigDefaults(t *testing.T) {
	c := accountsDefaults(t)
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults are refused: %v", err)
	}
	if !slices.Equal(c.Accounts, []int{50}) || len(c.Regions) != 4 || c.Tasks != 20000 || c.HotShare != 0.5 || c.Quota != 20 ||
		c.Finish != (finishSpan{30 * time.Second, 90 * time.Second}) {
		t.Errorf("defaults = %+v; want 50 accounts, 4 regions, 20,000 tasks, half hot, 20 calls/s, 30s-90s", c)
	}
}

func TestAccountsConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string // in the error; "" for none
	}{
		{[]string{"--accounts", "10,50"}, ""},
		{[]string{"--register-direct", "--accounts", "2", "--tasks", "2"}, ""},
		{[]string{"--accounts", "1"}, "want 2 to 100"},
		{[]string{"--accounts", "101"}, "want 2 to 100"},
		{[]string{"--regions", "cn-hangzhou,cn-hangzhou"}, "named twice"},
		{[]string{"--regions", ""}, "at least one region"},
		{[]string{"--hot-share", "1"}, "--hot-share"},
		{[]string{"--hot-share", "0"}, "--hot-share"},
		{[]string{"--tasks", "10"}, "at least one task per account"},
		{[]string{"--quota", "0.5"}, "--quota"},
		{[]string{"--idle", "-1s"}, "--idle"},
		{[]string{"--grace", "0s"}, "--grace"},
		{[]string{"--poll-multiplier", "0.5"}, "--poll-multiplier"},
	} {
		c := accountsDefaults(t, tc.args...)
		err := c.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v, want no error", tc.args, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: error %v, want one saying %q", tc.args, err, tc.want)
		}
	}
}

func TestSplitTasks(t *testing.T) {
	for _, tc := range []struct {
		tasks, accounts int
		share           float64
		want            []int
	}{
		{20, 3, 0.5, []int{5, 10, 5}},
		{21, 4, 0.5, []int{4, 11, 3, 3}}, // math.Round: half away from zero
		{100, 2, 0.25, []int{75, 25}},
		{12, 5, 0.5, []int{2, 6, 2, 1, 1}},
	} {
		got, err := splitTasks(tc.tasks, tc.accounts, tc.share)
		if err != nil {
			t.Errorf("splitTasks(%d, %d, %g): %v", tc.tasks, tc.accounts, tc.share, err)
			continue
		}
		sum := 0
		for _, n := range got {
			sum += n
		}
		if sum != tc.tasks {
			t.Errorf("splitTasks(%d, %d, %g) = %v: %d tasks, want %d", tc.tasks, tc.accounts, tc.share, got, sum, tc.tasks)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("splitTasks(%d, %d, %g) = %v, want %v", tc.tasks, tc.accounts, tc.share, got, tc.want)
		}
	}
	// The run: half of 20,000 in the hot account, the other 10,000 over 49 accounts.
	got, err := splitTasks(20000, 50, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	if got[hotAccount] != 10000 || slices.Min(slices.Delete(slices.Clone(got), hotAccount, hotAccount+1)) != 204 || slices.Max(slices.Delete(slices.Clone(got), hotAccount, hotAccount+1)) != 205 {
		t.Errorf("20,000 tasks over 50 accounts: %v; want 10,000 in the hot one, 204 or 205 in each other", got)
	}
	for _, tc := range []struct {
		tasks, accounts int
		share           float64
	}{{10, 1, 0.5}, {10, 8, 0.5}, {10, 3, 0.01}} {
		if got, err := splitTasks(tc.tasks, tc.accounts, tc.share); err == nil {
			t.Errorf("splitTasks(%d, %d, %g) = %v, want an error (an account without tasks)", tc.tasks, tc.accounts, tc.share, got)
		}
	}
}

func TestAccountsWorkload(t *testing.T) {
	cfg := accountsDefaults(t, "--tasks", "400", "--finish", "10s-20s")
	w, err := newAccountsWorkload(cfg, 5)
	if err != nil {
		t.Fatal(err)
	}
	perAccount, perRegion := make([]int, 5), map[[2]any]int{}
	for _, task := range w.tasks {
		perAccount[task.account]++
		perRegion[[2]any{task.account, task.region}]++
		if task.life < 10*time.Second || task.life > 20*time.Second {
			t.Errorf("a task lives %s, want within 10s-20s", task.life)
		}
	}
	if !slices.Equal(perAccount, w.counts) || w.counts[hotAccount] != 200 {
		t.Errorf("tasks per account %v, counts %v; want the same, 200 in the hot account", perAccount, w.counts)
	}
	if n := perRegion[[2]any{hotAccount, "cn-shenzhen"}]; n != 50 {
		t.Errorf("the hot account has %d tasks in cn-shenzhen, want 50 (a quarter)", n)
	}
	if w.tasks[0].account == w.tasks[1].account && w.tasks[1].account == w.tasks[2].account && w.tasks[2].account == w.tasks[3].account {
		t.Errorf("the first tasks are all of account %d: the order is not shuffled", w.tasks[0].account)
	}
	again, _ := newAccountsWorkload(cfg, 5)
	if !slices.Equal(again.tasks, w.tasks) {
		t.Error("the same seed planned another workload")
	}
}

// The accounts file the bench writes is one the worker reads: every account an access key from
// the environment, with the quotas.
func TestAccountsFileLoads(t *testing.T) {
	cfg := accountsDefaults(t, "--tasks", "100")
	w, err := newAccountsWorkload(cfg, 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range w.env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	path := filepath.Join(t.TempDir(), "accounts.json")
	if err := w.writeAccountsFile(path, 20); err != nil {
		t.Fatal(err)
	}
	f, err := ecsapi.LoadAccounts(path)
	if err != nil {
		b, _ := os.ReadFile(path)
		t.Fatalf("LoadAccounts: %v\n%s", err, b)
	}
	if len(f.Accounts) != 3 || f.Accounts[0].Name != "acct-00" || f.Accounts[hotAccount].Name != "acct-01" {
		b, _ := json.Marshal(f.Accounts)
		t.Fatalf("accounts %s; want acct-00, acct-01, acct-02", b)
	}
	for _, a := range f.Accounts {
		if a.Quotas[ecsemu.ActionDescribeTaskAttribute] != 20 || a.Quotas[ecsemu.ActionDescribeTasks] != 20 {
			t.Errorf("account %s: quotas %v, want 20 calls/s of each API", a.Name, a.Quotas)
		}
	}
}

// The tally counts per account, API, region and wall-clock second, throttled calls included,
// and names a second over the quota.
func TestQuotaTally(t *testing.T) {
	q := newQuotaTally()
	t0 := time.Unix(1000, 0)
	call := func(account, action, region string, at time.Duration, code string) {
		q.observe(ecsemu.Call{Time: t0.Add(at), Account: account, Action: action, RegionID: region, Code: code})
	}
	for i := range 3 { // three in one second: one over a quota of 2
		call("1", ecsemu.ActionDescribeTaskAttribute, "cn-hangzhou", time.Duration(i)*100*time.Millisecond, "OK")
	}
	call("1", ecsemu.ActionDescribeTaskAttribute, "cn-hangzhou", 1100*time.Millisecond, throttledCode) // the next second
	call("1", ecsemu.ActionDescribeTasks, "cn-hangzhou", 0, "OK")
	call("1", ecsemu.ActionDescribeTaskAttribute, "cn-beijing", 0, "OK")
	call("1", ecsemu.ActionExportImage, "cn-hangzhou", 0, "OK") // not a quota'd API
	call("2", ecsemu.ActionDescribeTasks, "cn-hangzhou", 0, "OK")
	call("2", ecsemu.ActionDescribeTasks, "cn-hangzhou", 999*time.Millisecond, "OK")

	got := q.byAccount(2.5) // floor: 2 a second
	a, b := got["1"], got["2"]
	if a == nil || b == nil || len(got) != 2 {
		t.Fatalf("accounts %v, want 1 and 2", got)
	}
	if a.Calls[ecsemu.ActionDescribeTaskAttribute] != 5 || a.Calls[ecsemu.ActionDescribeTasks] != 1 || a.Calls[ecsemu.ActionExportImage] != 0 {
		t.Errorf("account 1 calls %v, want 5 DescribeTaskAttribute, 1 DescribeTasks, no ExportImage", a.Calls)
	}
	if a.Throttled != 1 || a.MaxPerSecond != 3 || a.MaxAt != "DescribeTaskAttribute cn-hangzhou" || a.OverSeconds != 1 || a.FirstOver != 1000 {
		t.Errorf("account 1: %+v; want 1 throttled, at most 3 a second (DescribeTaskAttribute cn-hangzhou), 1 second over", *a)
	}
	if b.Throttled != 0 || b.MaxPerSecond != 2 || b.OverSeconds != 0 {
		t.Errorf("account 2: %+v; want none throttled, at most 2 a second, none over", *b)
	}
}

func TestIntakeLags(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ids := []string{"t-a", "t-b", "t-c"}
	registered := []time.Time{t0, t0, t0.Add(time.Second)}
	recorded := map[string]time.Time{"t-a": t0.Add(3 * time.Second), "t-c": t0.Add(1500 * time.Millisecond)} // t-b never
	end := map[string]time.Time{"t-a": t0.Add(2 * time.Second), "t-b": t0, "t-c": t0.Add(time.Minute)}
	got, late := intakeLags(ids, registered, recorded, end)
	if want := []time.Duration{500 * time.Millisecond, 3 * time.Second}; !slices.Equal(got, want) || late != 1 {
		t.Errorf("intakeLags = %v, %d late; want %v, 1 late (t-a recorded after its end)", got, late, want)
	}
	if k := taskOfKey("017.cn-hangzhou.t-abc"); k != "t-abc" {
		t.Errorf("taskOfKey = %q, want t-abc", k)
	}
}
