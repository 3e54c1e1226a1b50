// Package flagenv parses the command lines of every binary of the project: flags, then the
// environment for the flags the command line left unset. With prefix "TASKPOLLER_",
// --poll-max is TASKPOLLER_POLL_MAX. The command line wins over the environment, which wins
// over the default.
package flagenv

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// ErrUsage is in every error of Parse and ParseArgs that refuses the command line: a flag
// not defined, a value refused (on the command line or in the environment), an unexpected
// argument. The refusal has already been written to the FlagSet's output, as the flag package
// writes its own; a command exits 2 for it. (--help is flag.ErrHelp, not ErrUsage.)
var ErrUsage = errors.New("bad command line")

// refusal is a refusal of the command line: its message is the cause's, and it is ErrUsage.
type refusal struct{ cause error }

func (r refusal) Error() string   { return r.cause.Error() }
func (r refusal) Unwrap() []error { return []error{ErrUsage, r.cause} }

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

// Parse is ParseArgs without positional arguments.
func Parse(fs *flag.FlagSet, args []string, prefix string, lookup func(string) (string, bool)) error {
	return ParseArgs(fs, args, 0, prefix, lookup)
}

// ParseArgs parses args into fs, refuses more than most positional arguments (they are left in
// fs.Args()), then applies the environment through lookup (Apply; nil: none). It returns
// flag.ErrHelp for -h or --help, and an ErrUsage error for a refused command line.
func ParseArgs(fs *flag.FlagSet, args []string, most int, prefix string, lookup func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return refusal{err} // the flag package has written it, and the usage
	}
	if fs.NArg() > most {
		return refuse(fs, fmt.Errorf("unexpected arguments: %q", fs.Args()[most:]))
	}
	if lookup == nil {
		return nil
	}
	if err := Apply(fs, prefix, lookup); err != nil {
		return refuse(fs, err)
	}
	return nil
}

// refuse writes err to fs's output and returns it as a refusal.
func refuse(fs *flag.FlagSet, err error) error {
	fmt.Fprintln(fs.Output(), err)
	return refusal{err}
}
