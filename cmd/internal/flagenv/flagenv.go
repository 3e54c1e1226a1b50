// Package flagenv lets every flag of a command be set from the environment too: with prefix
// "TASKPOLLER_", --poll-max is TASKPOLLER_POLL_MAX. The command line wins over the
// environment, which wins over the default.
package flagenv

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// Name returns the environment variable of flag name.
func Name(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// Apply sets every flag of fs that the command line did not set from its environment variable,
// if lookup finds one. Call it after fs.Parse. It reports every bad value.
func Apply(fs *flag.FlagSet, prefix string, lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		name := Name(prefix, f.Name)
		if v, ok := lookup(name); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", name, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// Parse parses args into fs, refuses positional arguments, then applies the environment.
func Parse(fs *flag.FlagSet, args []string, prefix string, lookup func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return Apply(fs, prefix, lookup)
}
