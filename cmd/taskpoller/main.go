// Command taskpoller turns Alibaba Cloud ECS asynchronous tasks into events on NATS.
//
//	taskpoller run        a worker (with an embedded NATS server when --nats-url is empty)
//	taskpoller register   register a task for tracking
//	taskpoller watch      print events as they arrive
//	taskpoller tasks      list the tasks JetStream knows of
//	taskpoller status     everything JetStream holds about one task, with its events
//	taskpoller cancel     cancel an ImportImage or ExportImage task (ECS CancelTask)
//	taskpoller demo       everything in one process, against the ECS emulator
//	taskpoller schema     the JSON Schemas of registrations and events
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `taskpoller turns Alibaba Cloud ECS asynchronous tasks into events on NATS.

Usage:
  taskpoller run       [flags]   poll registered tasks and publish their events (a worker)
  taskpoller register  [flags]   register a task: --region R --task T [--meta key=value ...]
  taskpoller watch     [flags]   print events as they arrive (--json for raw CloudEvents)
  taskpoller tasks     [flags]   list the tasks JetStream knows of: --active, --failed, --since 1h, --json
  taskpoller status    [flags]   one task's state, tracking and whole event history: --region R --task T [--json]
  taskpoller cancel    [flags]   cancel an ImportImage or ExportImage task with ECS CancelTask: --region R --task T
  taskpoller demo      [flags]   embedded NATS + ECS emulator + worker, with a live view
  taskpoller schema    [name]    list the JSON Schemas of registrations and events, or print one

Every flag can also be set by the environment: --poll-max is TASKPOLLER_POLL_MAX.
Run "taskpoller <command> --help" for the flags of a command.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain parses the command line, runs the command and returns the exit code.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "run":
		var cfg runConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = run(ctx, cfg, stderr)
			}
		}
	case "register":
		var cfg registerConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = register(ctx, cfg, stdout)
			}
		}
	case "watch":
		var cfg watchConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = watch(ctx, cfg, stdout)
			}
		}
	case "tasks":
		var cfg tasksConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = listTasks(ctx, cfg, stdout, stderr)
			}
		}
	case "status":
		var cfg statusConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = showStatus(ctx, cfg, stdout)
			}
		}
	case "cancel":
		var cfg cancelConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = cancelTask(ctx, cfg, stdout)
			}
		}
	case "demo":
		var cfg demoConfig
		if err = parse(cfg.flags(), args[1:], stderr); err == nil {
			if err = cfg.Validate(); err == nil {
				err = demo(ctx, cfg, stdout, stderr)
			}
		}
	case "schema":
		err = schema(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "taskpoller: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintf(stderr, "taskpoller %s: %v\n", args[0], err)
	return 1
}
