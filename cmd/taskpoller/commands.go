package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
)

// configuration is the configuration of a command: flags defines its flags, with their
// defaults, on a new FlagSet named after the command; Validate checks them once parsed.
type configuration interface {
	flags() *flag.FlagSet
	Validate() error
}

// takesArgs is a configuration that takes arguments after its flags: at most maxArgs, given
// to setArgs once parsed, before Validate.
type takesArgs interface {
	maxArgs() int
	setArgs(args []string)
}

// runner runs a command on the configuration its start made, once parsed and valid.
type runner func(ctx context.Context, stdout, stderr io.Writer) error

// command is an entry of the command table (commands): realMain's dispatch and the usage come
// from it.
type command struct {
	name     string
	synopsis string // what follows the name in the usage: "[flags]", or its arguments
	summary  string // its line of the usage
	help     string // more of its --help, before its flags; may be empty
	start    func() (configuration, runner)
}

// commands is the command table, in the order of the usage.
func commands() []command {
	return []command{
		{name: "run", synopsis: "[flags]", summary: "poll registered tasks and publish their events (a worker)", start: runs(run)},
		{name: "register", synopsis: "[flags]", summary: "register a task: --region R --task T [--meta key=value ...]", start: runs(register)},
		{name: "watch", synopsis: "[flags]", summary: "print events as they arrive (--json for raw CloudEvents)", start: runs(watch)},
		{name: "tasks", synopsis: "[flags]", summary: "list the tasks JetStream knows of: --active, --failed, --since 1h, --json", start: runs(listTasks)},
		{name: "status", synopsis: "[flags]", summary: "one task's state, tracking and whole event history: --region R --task T [--json]", start: runs(showStatus)},
		{name: "cancel", synopsis: "[flags]", summary: "cancel an ImportImage or ExportImage task with ECS CancelTask: --region R --task T", start: runs(cancelTask)},
		{name: "demo", synopsis: "[flags]", summary: "embedded NATS + ECS emulator + worker, with a live view", start: runs(demo)},
		{name: "schema", synopsis: "[name]", summary: "list the JSON Schemas of registrations and events, or print one", help: schemaHelp, start: runs(schema)},
		{name: "asyncapi", synopsis: "[flags]", summary: "print the AsyncAPI 3.0 document of the subjects, messages and schemas: [--format json]", help: asyncapiHelp, start: runs(printAsyncAPI)},
	}
}

// runs is the start of a command whose configuration is a C and whose run is run.
func runs[C any, P interface {
	*C
	configuration
}](run func(context.Context, C, io.Writer, io.Writer) error) func() (configuration, runner) {
	return func() (configuration, runner) {
		c := new(C)
		return P(c), func(ctx context.Context, stdout, stderr io.Writer) error { return run(ctx, *c, stdout, stderr) }
	}
}

// usage is the usage of taskpoller: a line per command.
func usage(cmds []command) string {
	var b strings.Builder
	b.WriteString("taskpoller turns Alibaba Cloud ECS asynchronous tasks into events on NATS.\n\nUsage:\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "  taskpoller %-9s %-9s %s\n", c.name, c.synopsis, c.summary)
	}
	b.WriteString("\nEvery flag can also be set by the environment: --poll-max is " + envName("poll-max") + ".\n")
	b.WriteString(`Run "taskpoller <command> --help" for the flags of a command.` + "\n")
	return b.String()
}

// execute parses args (what follows the command's name), validates the configuration and
// runs the command. A refused command line is a flagenv.ErrUsage error, already written to
// stderr.
func (c command) execute(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, run := c.start()
	fs := cfg.flags()
	most := 0
	ta, takes := cfg.(takesArgs)
	if takes {
		most = ta.maxArgs()
	}
	if err := c.parse(fs, args, most, stderr); err != nil {
		return err
	}
	if takes {
		ta.setArgs(fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return run(ctx, stdout, stderr)
}

// parse parses args into fs, with at most most arguments after the flags: a flag the command
// line leaves unset takes its environment variable when that is set (flagenv: command line
// beats environment beats default). --help and refusals are written to stderr.
func (c command) parse(fs *flag.FlagSet, args []string, most int, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() { c.usage(fs, stderr) }
	return flagenv.ParseArgs(fs, args, most, envPrefix, os.LookupEnv)
}

// usage writes the command's --help: its synopsis, its help, and each flag of fs with its
// environment variable and default.
func (c command) usage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprintf(w, "Usage: taskpoller %s %s\n", c.name, c.synopsis)
	if c.help != "" {
		fmt.Fprintf(w, "\n%s", c.help)
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags (environment variable in brackets). A number or duration set to 0 or less is refused,\nunless its help says what 0 means; left unset, a flag keeps its default.\n")
	for _, f := range flags {
		def := ""
		if f.DefValue != "" && f.DefValue != "[]" {
			def = fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fmt.Fprintf(w, "  --%s [%s]%s\n      %s\n", f.Name, envName(f.Name), def, f.Usage)
	}
}
