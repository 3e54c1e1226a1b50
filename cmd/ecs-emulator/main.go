// Command ecs-emulator serves the ECS OpenAPI emulator of package
// cmd/ecs-emulator/ecsemu over HTTP for demos, docker-compose and tests in other
// languages. Run it with --help for its flags and environment variables.
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
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err = run(ctx, cfg)
		stop()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ecs-emulator: %v\n", err)
		os.Exit(1)
	}
}
