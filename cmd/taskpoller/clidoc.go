package main

import (
	"flag"
	"fmt"
	"strings"
)

// cliReference is docs/cli.md: every command of the table with its synopsis, its help and
// each of its flags (environment variable, default, meaning), from the same flag sets --help
// prints, so that the reference cannot drift from the code (TestCLIReferenceIsCurrent).
func cliReference(cmds []command) string {
	var b strings.Builder
	b.WriteString("# taskpoller command-line reference\n\n")
	b.WriteString("Generated from the commands' flag sets (`go test ./cmd/taskpoller -run TestCLIReferenceIsCurrent` with\n")
	b.WriteString("`TASKPOLLER_UPDATE_DOCS=1` rewrites it); `taskpoller <command> --help` prints the same. Every flag\n")
	b.WriteString("can also be set by its environment variable; the command line wins over the environment, which\n")
	b.WriteString("wins over the default. A number or duration set to 0 or less is refused, unless its meaning says\n")
	b.WriteString("what 0 means. The other binaries (`ecs-emulator`, `task-producer`, `export-consumer`,\n")
	b.WriteString("`ops-alerts`, `bench-scale`) print theirs with `--help`.\n\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "- [`taskpoller %s`](#taskpoller-%s): %s\n", c.name, c.name, mdEscape(c.summary))
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "\n## taskpoller %s\n\n`taskpoller %s %s`: %s\n", c.name, c.name, c.synopsis, mdEscape(c.summary))
		if c.help != "" {
			fmt.Fprintf(&b, "\n```text\n%s```\n", c.help)
		}
		cfg, _ := c.start()
		var flags []*flag.Flag
		cfg.flags().VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
		if len(flags) == 0 {
			b.WriteString("\nNo flags.\n")
			continue
		}
		b.WriteString("\n| flag | environment | default | meaning |\n|---|---|---|---|\n")
		for _, f := range flags {
			def := f.DefValue
			if def == "" || def == "[]" {
				def = "*(none)*"
			} else {
				def = "`" + def + "`"
			}
			fmt.Fprintf(&b, "| `--%s` | `%s` | %s | %s |\n", f.Name, envName(f.Name), def, mdEscape(f.Usage))
		}
	}
	return b.String()
}

// mdEscape keeps text inside a Markdown table cell.
func mdEscape(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
