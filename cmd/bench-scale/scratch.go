package main

import (
	"context"
	"fmt"
	"io"
	"os"
)

// scratch is a benchmark's working directory and the worker it runs, what every subcommand
// (the comparison, discovery, accounts) starts with.
type scratch struct {
	env    runEnv
	keep   bool // keep the directory whatever happens (--keep-logs)
	failed bool // keep it: a run failed (set by the caller)
}

// newScratch makes the working directory (named after prefix) and, when bin is empty and
// build is true, builds ./cmd/taskpoller into it. The caller calls done when finished.
func newScratch(ctx context.Context, prefix, bin string, build, keep bool, log io.Writer) (*scratch, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	s := &scratch{env: runEnv{dir: dir, taskpoller: bin, log: log}, keep: keep}
	if s.env.taskpoller == "" && build {
		fmt.Fprintln(log, "building ./cmd/taskpoller")
		if s.env.taskpoller, err = buildTaskpoller(ctx, dir); err != nil {
			s.failed = true
			s.done()
			return nil, err
		}
	}
	return s, nil
}

// done removes the directory, unless it is to be kept (then it says where it is).
func (s *scratch) done() {
	if s.keep || s.failed {
		fmt.Fprintf(s.env.log, "logs, metrics and NATS stores kept in %s\n", s.env.dir)
		return
	}
	_ = os.RemoveAll(s.env.dir)
}

// writeOutputs writes the plot to svg (plot makes it) and the report to md, each only when
// named, and says so on log; it returns what failed.
func writeOutputs(log io.Writer, svg string, plot func(path string) error, md string, report func() string) []error {
	var failed []error
	if svg != "" {
		if err := plot(svg); err != nil {
			failed = append(failed, err)
		} else {
			fmt.Fprintf(log, "wrote %s\n", svg)
		}
	}
	if md != "" {
		if err := os.WriteFile(md, []byte(report()), 0o644); err != nil {
			failed = append(failed, fmt.Errorf("write %s: %w", md, err))
		} else {
			fmt.Fprintf(log, "wrote %s\n", md)
		}
	}
	return failed
}

// svgIf is svg when there is something to plot, else "" (no plot written).
func svgIf(svg string, any bool) string {
	if !any {
		return ""
	}
	return svg
}
