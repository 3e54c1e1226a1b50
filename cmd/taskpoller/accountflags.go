package main

import (
	"flag"
	"fmt"

	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// accountFlags is --accounts, a flagGroup of `taskpoller run`: the accounts file, read and
// checked by validate (docs/accounts.md). Without one the worker serves one unnamed account,
// as before accounts existed.
type accountFlags struct {
	Path string
	file ecsapi.AccountsFile // read by validate; zero until then
}

func (a *accountFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.Path, "accounts", "", "accounts file (YAML or JSON, docs/accounts.md): the Alibaba Cloud accounts this fleet serves, each with its credential (default chain, access key, RAM role via STS, RRSA, instance role), quotas and discovery regions; registrations name one with \"account\" (none: the file's first); empty: one unnamed account signed by the default credential chain")
}

// validate reads and checks the file; its errors name the account and field, never a secret.
func (a *accountFlags) validate() error {
	if a.Path == "" {
		return nil
	}
	f, err := ecsapi.LoadAccounts(a.Path)
	if err != nil {
		return fmt.Errorf("--accounts: %w", err)
	}
	a.file = f
	return nil
}

// accounts returns the accounts of the run: the file's, once validate has read it, else the
// one unnamed default account.
func (c *runConfig) accounts() ecsapi.AccountsFile {
	if len(c.Accounts.file.Accounts) > 0 {
		return c.Accounts.file
	}
	return ecsapi.DefaultAccounts()
}

// pollFor returns the worker's configuration for account a: poll's, with a's quotas in place
// of the limits of the APIs they name (calls per second per region, fleet-wide, as --api-qps).
func (c *runConfig) pollFor(a ecsapi.Account) poller.Config {
	p := c.Poll
	c.QPSFor.apply(&p)
	qpsFor(a.Quotas).apply(&p)
	return p.WithDefaults()
}

// discoverFor returns the discovery of account a: the --discover-* flags, with a's own
// discover_regions; the default account (first) lists --discover-regions when given.
func (c *runConfig) discoverFor(a ecsapi.Account, first bool) poller.DiscoverConfig {
	d := c.Discover.config()
	if !first || len(d.Regions) == 0 {
		d.Regions = a.DiscoverRegions
	}
	return d
}
