// Command task-producer is the demo's source of work: at a steady rate it starts ExportImage,
// ImportImage and ModifyDiskSpec tasks on ECS (the emulator, or real ECS when --ecs-endpoint is
// empty) and registers each with taskpoller by publishing to <prefix>.registered with JetStream,
// waiting for the ack. Some tasks are made to fail (a "fail-" bucket or object, the emulator's
// convention) and some are canceled a little after they start.
//
// Once a task's outcome is settled it prints one line on stdout:
//
//	TASK n=<n> task=<id> action=<action> region=<region> expect=finished
//	TASK n=<n> task=<id> action=<action> region=<region> expect=failed reason=<task_failed|task_canceled>
//
// Logs go to stderr. With --count 0 it runs until interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	err := mainErr()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "task-producer:", err)
		os.Exit(1)
	}
}

func mainErr() error {
	cfg, err := parseConfig(os.Args[1:], os.LookupEnv)
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogLevel)
	defer func() { _ = log.Sync() }()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, cfg, os.Stdout, log)
}
