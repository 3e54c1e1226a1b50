// Command export-consumer is the demo's downstream service: it durably consumes the finished
// events of ExportImage tasks and prints every exported OSS object as it would hand it on,
// one line per object:
//
//	EXPORTED oss://<bucket>/<object> task=<id> region=<region>
//
// It reads a JetStream durable consumer on the events stream, so events published while it is
// down are delivered when it comes back. Each event is acknowledged after its lines are
// printed: delivery is at least once, and a line may be printed again after a crash or a lost
// ack, never skipped.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	if err := mainErr(); err != nil {
		fmt.Fprintln(os.Stderr, "export-consumer:", err)
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
