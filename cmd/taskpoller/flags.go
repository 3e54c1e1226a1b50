package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// errUsage marks a command line that could not be parsed (already reported).
var errUsage = errors.New("usage")

// envName is the environment variable of a flag: --poll-max is TASKPOLLER_POLL_MAX.
func envName(flagName string) string {
	return "TASKPOLLER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args into fs; a flag not on the command line takes its environment variable
// when that is set. Command line beats environment beats default.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: taskpoller %s [flags]\n\nFlags (environment variable in brackets):\n", fs.Name())
		fs.VisitAll(func(f *flag.Flag) {
			def := ""
			if f.DefValue != "" && f.DefValue != "[]" {
				def = fmt.Sprintf(" (default %s)", f.DefValue)
			}
			fmt.Fprintf(stderr, "  --%s [%s]%s\n      %s\n", f.Name, envName(f.Name), def, f.Usage)
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "unexpected arguments: %v\n", fs.Args())
		return errUsage
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		if v, ok := os.LookupEnv(envName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	return errors.Join(errs...)
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set appends v; from the environment a comma-separated list is accepted.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// logConfig are the logging flags.
type logConfig struct {
	Level, Format string
}

func (l *logConfig) register(fs *flag.FlagSet, level, format string) {
	fs.StringVar(&l.Level, "log-level", level, "log level: debug, info, warn, error")
	fs.StringVar(&l.Format, "log-format", format, "log format: json or console")
}

func (l logConfig) validate() error {
	if _, err := zapcore.ParseLevel(l.Level); err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	if l.Format != "json" && l.Format != "console" {
		return fmt.Errorf("--log-format must be json or console, not %q", l.Format)
	}
	return nil
}

// build makes the logger, writing to w.
func (l logConfig) build(w io.Writer) *zap.Logger {
	lvl, _ := zapcore.ParseLevel(l.Level)
	ecfg := zap.NewProductionEncoderConfig()
	ecfg.EncodeTime = zapcore.ISO8601TimeEncoder
	var enc zapcore.Encoder
	if l.Format == "console" {
		ecfg.EncodeLevel = zapcore.CapitalLevelEncoder
		enc = zapcore.NewConsoleEncoder(ecfg)
	} else {
		enc = zapcore.NewJSONEncoder(ecfg)
	}
	return zap.New(zapcore.NewCore(enc, zapcore.Lock(zapcore.AddSync(w)), lvl))
}
