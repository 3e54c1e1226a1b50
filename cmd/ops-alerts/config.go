package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/taskpoller/taskpoller/events"
)

// envPrefix prefixes the environment variable of every flag: --nats-url is OPS_ALERTS_NATS_URL.
const envPrefix = "OPS_ALERTS_"

// Config is everything ops-alerts needs. Flags win over the environment.
type Config struct {
	NATSURL       string
	SubjectPrefix string
	Durable       string
	AckWait       time.Duration
	MaxAckPending int
	LogLevel      string
}

func parseConfig(args []string, getenv func(string) (string, bool)) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("ops-alerts", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&cfg.NATSURL, "nats-url", "nats://127.0.0.1:4222", "NATS server URLs, comma separated")
	fs.StringVar(&cfg.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "subject prefix of the taskpoller deployment")
	fs.StringVar(&cfg.Durable, "durable", "ops-alerts", "name of the durable JetStream consumer")
	fs.DurationVar(&cfg.AckWait, "ack-wait", 30*time.Second, "redeliver an event not acknowledged within this time")
	fs.IntVar(&cfg.MaxAckPending, "max-ack-pending", 256, "events delivered and not yet acknowledged, at most")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error (logs go to stderr)")
	if err := parseWithEnv(fs, args, getenv); err != nil {
		return Config{}, err
	}
	return cfg, cfg.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.NATSURL == "":
		return errors.New("--nats-url is required")
	case c.Durable == "" || strings.ContainsAny(c.Durable, ". *>"):
		return fmt.Errorf("--durable %q: want a name without spaces, '.', '*' or '>'", c.Durable)
	case c.AckWait < time.Second:
		return fmt.Errorf("--ack-wait %v: want at least 1s", c.AckWait)
	case c.MaxAckPending < 1:
		return fmt.Errorf("--max-ack-pending %d: want at least 1", c.MaxAckPending)
	}
	if _, err := events.NewSubjects(c.SubjectPrefix); err != nil {
		return err
	}
	_, err := zapcore.ParseLevel(c.LogLevel)
	return err
}

// parseWithEnv parses args, then fills every flag not given from its environment variable.
func parseWithEnv(fs *flag.FlagSet, args []string, getenv func(string) (string, bool)) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (see -h)", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := getenv(name)
		if given[f.Name] || !ok || err != nil {
			return
		}
		if e := f.Value.Set(v); e != nil {
			err = fmt.Errorf("%s=%q: %w", name, v, e)
		}
	})
	return err
}

func newLogger(level string) (*zap.Logger, error) {
	lvl, err := zapcore.ParseLevel(level)
	if err != nil {
		return nil, err
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(lvl)
	zc.Encoding = "console"
	zc.EncoderConfig.EncodeTime = zapcore.ISO8601TimeEncoder
	zc.OutputPaths = []string{"stderr"}
	zc.Sampling = nil
	l, err := zc.Build()
	if err != nil {
		return nil, fmt.Errorf("logger: %w", err)
	}
	return l.Named("ops-alerts"), nil
}
