package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
	"github.com/taskpoller/taskpoller/cmd/internal/logging"
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
	if err := flagenv.Parse(fs, args, envPrefix, getenv); err != nil {
		return Config{}, fmt.Errorf("%w (see -h)", err)
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
	return logging.Validate(c.LogLevel, "console")
}

func newLogger(level string) *zap.Logger {
	return logging.New(level, "console", os.Stderr).Named("ops-alerts")
}
