package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
)

// The usage is the command table: a line per command, in its order, with its synopsis and
// summary; each command's --help starts with the same synopsis and exits 0.
func TestUsageIsTheCommandTable(t *testing.T) {
	cmds := commands()
	var stdout bytes.Buffer
	if code := realMain(context.Background(), []string{"help"}, &stdout, io.Discard); code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	lines := strings.Split(stdout.String(), "\n")
	at := 0
	for _, c := range cmds {
		want := fmt.Sprintf("  taskpoller %-9s %-9s %s", c.name, c.synopsis, c.summary)
		for at < len(lines) && lines[at] != want {
			at++
		}
		if at == len(lines) {
			t.Errorf("the usage lacks, or has out of order, %q:\n%s", want, stdout.String())
			at = 0
		}
		var stderr bytes.Buffer
		code := realMain(context.Background(), []string{c.name, "--help"}, io.Discard, &stderr)
		if want := "Usage: taskpoller " + c.name + " " + c.synopsis + "\n"; code != 0 || !strings.HasPrefix(stderr.String(), want) {
			t.Errorf("%s --help: exit %d, %q; want exit 0 starting %q", c.name, code, firstLine(stderr.String()), want)
		}
	}
	if len(cmds) != 9 {
		t.Errorf("%d commands, want 9 (run, register, watch, tasks, status, cancel, demo, schema, asyncapi)", len(cmds))
	}
}

// Arguments after the flags are refused (exit 2), except where the command takes them.
func TestUnexpectedArguments(t *testing.T) {
	for _, args := range [][]string{{"run", "extra"}, {"tasks", "--json", "extra"}, {"schema", "finished", "failed"}} {
		var stderr bytes.Buffer
		code := realMain(context.Background(), args, io.Discard, &stderr)
		if want := fmt.Sprintf("unexpected arguments: [%q]", args[len(args)-1]); code != 2 || !strings.Contains(stderr.String(), want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 saying %s", args, code, stderr.String(), want)
		}
	}
}
