package main

// The accounts of `bench-scale accounts` and their tasks: who holds how many, in which region,
// ending when; and the accounts file that tells the worker of them.

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// maxBenchAccounts bounds --accounts (account names and ids are built from two-digit indexes
// upwards; a hundred is plenty for one worker).
const maxBenchAccounts = 100

// hotAccount is the index of the account holding the hot share: the second, a named account
// (the first is the default one, under the prefix's own subjects).
const hotAccount = 1

// benchAccount is one account of the run: its name in the accounts file and registrations,
// its id in the emulator, and its access key, handed to the worker in two environment
// variables.
type benchAccount struct {
	Name, ID          string
	KeyID, Secret     string
	KeyEnv, SecretEnv string
}

// benchAccounts returns n accounts: acct-00 (the default), acct-01 (the hot one), ...
func benchAccounts(n int) []benchAccount {
	out := make([]benchAccount, n)
	for i := range out {
		out[i] = benchAccount{
			Name: fmt.Sprintf("acct-%02d", i), ID: fmt.Sprintf("%d", 5000000000000000+i),
			KeyID: fmt.Sprintf("ak-acct-%02d", i), Secret: fmt.Sprintf("secret-acct-%02d", i),
			KeyEnv: fmt.Sprintf("ACCT_%02d_AK_ID", i), SecretEnv: fmt.Sprintf("ACCT_%02d_AK_SECRET", i),
		}
	}
	return out
}

// splitTasks returns how many of tasks each of n accounts holds: the hot account
// round(tasks × hotShare), the others the rest, as evenly as can be (the first ones one more).
// An error when an account would hold none.
func splitTasks(tasks, n int, hotShare float64) ([]int, error) {
	if n < 2 {
		return nil, fmt.Errorf("%d accounts: want at least 2 (the default and the hot one)", n)
	}
	hot := int(math.Round(float64(tasks) * hotShare))
	rest, quiet := tasks-hot, n-1
	if hot < 1 || rest < quiet {
		return nil, fmt.Errorf("%d tasks, %g of them in the hot account: %d left for %d quiet accounts; want at least one each", tasks, hotShare, rest, quiet)
	}
	out := make([]int, n)
	for i, q := 0, 0; i < n; i++ {
		if i == hotAccount {
			out[i] = hot
			continue
		}
		out[i] = rest / quiet
		if q < rest%quiet {
			out[i]++
		}
		q++
	}
	return out, nil
}

// accountTask is one task of the run: its account (an index), region and life.
type accountTask struct {
	account int
	region  string
	life    time.Duration
}

// accountsWorkload is every task of a run, in the order they are created and registered: the
// accounts' tasks shuffled together, so that no account waits for another's to be registered.
type accountsWorkload struct {
	accounts []benchAccount
	counts   []int
	tasks    []accountTask
}

// newAccountsWorkload plans cfg's tasks over n accounts: account i's j-th task in region
// j mod len(regions), its life uniform in cfg.Finish, the order shuffled, all from cfg.Seed.
func newAccountsWorkload(cfg accountsConfig, n int) (accountsWorkload, error) {
	counts, err := splitTasks(cfg.Tasks, n, cfg.HotShare)
	if err != nil {
		return accountsWorkload{}, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(n)))
	w := accountsWorkload{accounts: benchAccounts(n), counts: counts, tasks: make([]accountTask, 0, cfg.Tasks)}
	for a, c := range counts {
		for j := range c {
			life := cfg.Finish.Min + time.Duration(rng.Int64N(int64(cfg.Finish.Max-cfg.Finish.Min)+1))
			w.tasks = append(w.tasks, accountTask{account: a, region: cfg.Regions[j%len(cfg.Regions)], life: life})
		}
	}
	rng.Shuffle(len(w.tasks), func(i, j int) { w.tasks[i], w.tasks[j] = w.tasks[j], w.tasks[i] })
	return w, nil
}

// lastEnd is the longest life of w.
func (w accountsWorkload) lastEnd() time.Duration {
	var m time.Duration
	for _, t := range w.tasks {
		m = max(m, t.life)
	}
	return m
}

// emulatorOptions are the emulator's settings for w: each account's key, and quota calls/s
// per API, account and region counted per wall-clock second.
func (w accountsWorkload) emulatorOptions(quota float64, observe func(ecsemu.Call)) []ecsemu.Option {
	opts := []ecsemu.Option{ecsemu.WithQuotaWindow(),
		ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, quota),
		ecsemu.WithQuota(ecsemu.ActionDescribeTasks, quota),
		ecsemu.WithCallObserver(observe),
	}
	for _, a := range w.accounts {
		opts = append(opts, ecsemu.WithAccountCredentials(a.ID, a.KeyID, a.Secret))
	}
	return opts
}

// env is the worker's environment variables holding each account's key.
func (w accountsWorkload) env() []string {
	var out []string
	for _, a := range w.accounts {
		out = append(out, a.KeyEnv+"="+a.KeyID, a.SecretEnv+"="+a.Secret)
	}
	return out
}

// writeAccountsFile writes the accounts file of w to path (JSON, docs/accounts.md): every
// account an access key read from the environment, with quota calls/s of DescribeTaskAttribute
// and DescribeTasks.
func (w accountsWorkload) writeAccountsFile(path string, quota float64) error {
	type ref struct {
		Env string `json:"env"`
	}
	type credential struct {
		Kind   string `json:"kind"`
		ID     ref    `json:"access_key_id"`
		Secret ref    `json:"access_key_secret"`
	}
	type account struct {
		Name       string             `json:"name"`
		Credential credential         `json:"credential"`
		Quotas     map[string]float64 `json:"quotas"`
	}
	var file struct {
		Accounts []account `json:"accounts"`
	}
	for _, a := range w.accounts {
		file.Accounts = append(file.Accounts, account{
			Name:       a.Name,
			Credential: credential{Kind: "access_key", ID: ref{a.KeyEnv}, Secret: ref{a.SecretEnv}},
			Quotas:     map[string]float64{ecsemu.ActionDescribeTaskAttribute: quota, ecsemu.ActionDescribeTasks: quota},
		})
	}
	b, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o600)
}
