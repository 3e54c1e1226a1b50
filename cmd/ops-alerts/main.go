// Command ops-alerts is the demo's operations view: it durably consumes every failed event and
// prints one alert line per failure:
//
//	ALERT task=<id> region=<region> action=<action> reason=<reason> code=<error_code> msg=<error_message>
//
// Empty fields print as "-"; msg comes last and is the rest of the line. It reads a JetStream
// durable consumer on the events stream, so neither its own restart nor the outage of one NATS
// node makes it miss a failure. Each event is acknowledged after its alert is printed: an alert
// may be printed twice after a crash or a lost ack, never skipped.
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
		fmt.Fprintln(os.Stderr, "ops-alerts:", err)
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
