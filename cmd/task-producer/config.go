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
	"github.com/taskpoller/taskpoller/events/natsclient"
)

// envPrefix prefixes the environment variable of every flag: --nats-url is TASK_PRODUCER_NATS_URL.
const envPrefix = "TASK_PRODUCER_"

// Config is everything task-producer needs. Flags win over the environment.
type Config struct {
	Count         int     // tasks to start; 0 = until interrupted
	Rate          float64 // tasks started per second
	Region        string
	ECSEndpoint   string // empty: the real regional ECS endpoints
	NATS          natsclient.ConnConfig
	SubjectPrefix string
	FailEvery     int           // every n-th task is made to fail (exports and imports only); 0 = never
	CancelEvery   int           // every n-th task is canceled (exports and imports only); 0 = never
	CancelAfter   time.Duration // how long after its start a task is canceled
	Unregistered  float64       // share of the tasks started but never registered (discovery finds them); 0..1
	ImageID       string        // image exported by ExportImage tasks
	Bucket        string        // OSS bucket of exports and imports
	LogLevel      string
}

func parseConfig(args []string, getenv func(string) (string, bool)) (Config, error) {
	var cfg Config
	fs := flag.NewFlagSet("task-producer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&cfg.Count, "count", 0, "tasks to start; 0 = until interrupted")
	fs.Float64Var(&cfg.Rate, "rate", 1, "tasks started per second")
	fs.StringVar(&cfg.Region, "region", "cn-hangzhou", "ECS region of the tasks")
	fs.StringVar(&cfg.ECSEndpoint, "ecs-endpoint", "", "ECS endpoint URL, e.g. http://ecs-emulator:8080; empty = real Alibaba Cloud")
	cfg.NATS.RegisterFlags(fs, "nats://127.0.0.1:4222", "NATS server URL(s), comma-separated")
	fs.StringVar(&cfg.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "subject prefix of the taskpoller deployment")
	fs.IntVar(&cfg.FailEvery, "fail-every", 7, "make every n-th export or import fail (emulator convention: a fail- bucket or object); 0 = never")
	fs.IntVar(&cfg.CancelEvery, "cancel-every", 5, "cancel every n-th export or import; 0 = never")
	fs.DurationVar(&cfg.CancelAfter, "cancel-after", 2*time.Second, "cancel a task this long after starting it; 0: at once")
	fs.Float64Var(&cfg.Unregistered, "unregistered-share", 0, "share of the tasks (0 to 1) started on ECS but never registered, as from the console or Terraform: only a worker's discovery (--discover-regions) finds them")
	fs.StringVar(&cfg.ImageID, "image-id", "m-taskpollerdemo000001", "image exported by ExportImage tasks")
	fs.StringVar(&cfg.Bucket, "bucket", "taskpoller-demo", "OSS bucket of exports and imports")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error (logs go to stderr)")
	if err := flagenv.Parse(fs, args, envPrefix, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(os.Stderr)
			fmt.Fprintf(os.Stderr, "Usage: task-producer [flags]; every flag can also be set as %s<FLAG>:\n", envPrefix)
			fs.PrintDefaults()
			return Config{}, err
		}
		return Config{}, fmt.Errorf("%w (see -h)", err)
	}
	return cfg, cfg.Validate()
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Count < 0:
		return fmt.Errorf("--count %d: want 0 (for ever) or more", c.Count)
	case c.Rate <= 0 || c.Rate > 1000:
		return fmt.Errorf("--rate %v: want more than 0 and at most 1000 tasks/s", c.Rate)
	case c.NATS.URL == "":
		return errors.New("--nats-url is required")
	case c.NATS.Validate() != nil:
		return c.NATS.Validate()
	case c.FailEvery < 0 || c.CancelEvery < 0:
		return errors.New("--fail-every and --cancel-every must not be negative")
	case !(c.Unregistered >= 0 && c.Unregistered <= 1): // NaN too
		return fmt.Errorf("--unregistered-share %v: want a share from 0 to 1", c.Unregistered)
	case c.CancelAfter < 0:
		return fmt.Errorf("--cancel-after %v must not be negative", c.CancelAfter)
	case c.ImageID == "" || c.Bucket == "":
		return errors.New("--image-id and --bucket are required")
	case strings.HasPrefix(c.Bucket, failPrefix):
		return fmt.Errorf("--bucket %q: the %q prefix makes every task fail; use --fail-every", c.Bucket, failPrefix)
	}
	if err := events.ValidateIDs(c.Region, "t-check"); err != nil {
		return fmt.Errorf("--region: %w", err)
	}
	if _, err := events.NewSubjects(c.SubjectPrefix); err != nil {
		return err
	}
	return logging.Validate(c.LogLevel, "console")
}

func newLogger(level string) *zap.Logger {
	return logging.New(level, "console", os.Stderr).Named("task-producer")
}
