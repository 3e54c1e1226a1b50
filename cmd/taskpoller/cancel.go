package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// cancelConfig is the configuration of `taskpoller cancel`.
type cancelConfig struct {
	ECSEndpoint string
	taskFlags
	Timeout      time.Duration
	AccountsPath string // --accounts: sign with an account's credential of this file
	Account      string // --account: which one; empty: the file's first
}

func (c *cancelConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("cancel", flag.ContinueOnError)
	registerECSEndpoint(fs, &c.ECSEndpoint)
	c.taskFlags.register(fs)
	durationVar(fs, &c.Timeout, "api-timeout", poller.DefaultConfig().APITimeout, positive, "timeout of the CancelTask call")
	fs.StringVar(&c.AccountsPath, "accounts", "", "accounts file (as taskpoller run --accounts): sign the call with the credential of --account (or of the file's first account); empty: the default credential chain")
	fs.StringVar(&c.Account, "account", "", "account of --accounts whose task this is; empty: the file's first")
	return fs
}

// Validate checks the ids as a worker would, and that --account names an account of
// --accounts; --api-timeout refuses what is not positive itself.
func (c *cancelConfig) Validate() error {
	err := c.taskFlags.validate()
	if c.Account != "" && c.AccountsPath == "" {
		err = errors.Join(err, errors.New("--account needs --accounts: the file holds the account's credential"))
	}
	return err
}

// credential is the credential of --account in --accounts; nil (the default chain) without
// --accounts.
func (c *cancelConfig) credential() (ecsapi.Credential, error) {
	if c.AccountsPath == "" {
		return nil, nil
	}
	f, err := ecsapi.LoadAccounts(c.AccountsPath)
	if err != nil {
		return nil, fmt.Errorf("--accounts: %w", err)
	}
	a := f.Accounts[0]
	if c.Account != "" {
		var ok bool
		if a, ok = f.Account(c.Account); !ok {
			return nil, fmt.Errorf("--account %q is not an account of %s: want one of %v", c.Account, c.AccountsPath, f.Names())
		}
	}
	return ecsapi.NewAccountCredential(a)
}

// cancelTask asks ECS to cancel one task (CancelTask), signed by the default credential chain
// as the worker's calls are, or by an account's credential of --accounts. The worker tracking the task sees it Deleted and publishes failed
// with reason task_canceled.
func cancelTask(ctx context.Context, cfg cancelConfig, out, _ io.Writer) error {
	cred, err := cfg.credential()
	if err != nil {
		return err
	}
	api, err := ecsapi.New(ecsapi.Config{Endpoint: cfg.ECSEndpoint, Timeout: cfg.Timeout, Credential: cred})
	if err != nil {
		return err
	}
	if err := api.CancelTask(ctx, cfg.Region, cfg.Task); err != nil {
		return explainCancel(cfg.Region, cfg.Task, err)
	}
	fmt.Fprintf(out, "ECS accepted CancelTask for task %s in %s: once ECS reports it Deleted, the worker tracking it publishes failed with reason %s\n",
		cfg.Task, cfg.Region, events.ReasonTaskCanceled)
	return nil
}

// explainCancel turns a refusal of CancelTask into what it means for the user.
func explainCancel(region, task string, err error) error {
	var api *poller.APIError
	if !errors.As(err, &api) {
		return fmt.Errorf("CancelTask %s in %s: %w", task, region, err)
	}
	switch {
	case api.Code == poller.CodeTaskActionNotSupport:
		return fmt.Errorf("task %s cannot be canceled: ECS cancels only ImportImage and ExportImage tasks (%s)", task, api.Code)
	case api.Code == poller.CodeIncorrectTaskStatus:
		return fmt.Errorf("task %s cannot be canceled: it is not running any more (it finished, failed or was canceled already) (%s)", task, api.Code)
	case api.Code == "InvalidTaskId.NotFound":
		return fmt.Errorf("ECS knows no task %s in %s (%s)", task, region, api.Code)
	case api.Code == "InvalidRegionId.NotFound":
		return fmt.Errorf("ECS knows no region %s (%s)", region, api.Code)
	case poller.Classify(err) == poller.ClassWorker:
		return fmt.Errorf("ECS refused the call: %w (check the credentials; the RAM identity needs ecs:CancelTask)", err)
	}
	return fmt.Errorf("CancelTask %s in %s: %w", task, region, err)
}
