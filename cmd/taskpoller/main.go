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
	"slices"
	"syscall"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := realMain(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// realMain parses the command line, runs the command and returns the exit code: 0 done (or
// --help), 1 failed, 2 a command line refused.
func realMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage(cmds))
		return 2
	}
	name := args[0]
	if name == "-h" || name == "--help" || name == "help" {
		fmt.Fprint(stdout, usage(cmds))
		return 0
	}
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == name })
	if i < 0 {
		fmt.Fprintf(stderr, "taskpoller: unknown command %q\n\n%s", name, usage(cmds))
		return 2
	}
	err := cmds[i].execute(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, flagenv.ErrUsage):
		return 2 // already written, by the flag package or flagenv
	}
	fmt.Fprintf(stderr, "taskpoller %s: %v\n", name, err)
	return 1
}
