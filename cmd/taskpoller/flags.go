package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
	"github.com/taskpoller/taskpoller/cmd/internal/logging"
	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// envPrefix prefixes every flag's environment variable: --poll-max is TASKPOLLER_POLL_MAX.
const envPrefix = "TASKPOLLER_"

func envName(flagName string) string { return flagenv.Name(envPrefix, flagName) }

// parse parses args, the flags of the command fs is named after (see command.parse); no
// arguments may follow them.
func parse(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	return command{name: fs.Name(), synopsis: "[flags]"}.parse(fs, args, 0, stderr)
}

// registerECSEndpoint defines --ecs-endpoint, the same for every command that calls ECS.
func registerECSEndpoint(fs *flag.FlagSet, p *string) {
	fs.StringVar(p, "ecs-endpoint", "", "ECS endpoint URL such as http://127.0.0.1:8080 (scheme picks HTTP or HTTPS); empty: the official endpoint of each task's region")
}

// taskFlags are --region and --task: the task a command is about.
type taskFlags struct {
	Region, Task string
}

func (t *taskFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&t.Region, "region", "", "region of the task, e.g. cn-hangzhou (required)")
	fs.StringVar(&t.Task, "task", "", "task id, e.g. t-bp1hc3ejzkd8zy3g0x5j (required)")
}

// validate checks the ids as a worker would (they are subject tokens), so a bad one is refused
// here already.
func (t taskFlags) validate() error { return events.ValidateIDs(t.Region, t.Task) }

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

func (l logConfig) validate() error { return logging.Validate(l.Level, l.Format) }

// build makes the logger, writing to w.
func (l logConfig) build(w io.Writer) *zap.Logger { return logging.New(l.Level, l.Format, w) }

// qpsFor is --api-qps-for: API=rate pairs, comma-separated (repeatable).
type qpsFor map[string]float64

func (q *qpsFor) String() string {
	parts := make([]string, 0, len(*q))
	for k, v := range *q {
		parts = append(parts, fmt.Sprintf("%s=%g", k, v))
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// Set parses "DescribeTasks=5,DescribeTaskAttribute=20"; only those two APIs are called.
func (q *qpsFor) Set(v string) error {
	if *q == nil {
		*q = qpsFor{}
	}
	for part := range strings.SplitSeq(v, ",") {
		api, rate, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%q: want API=rate", part)
		}
		if api != "DescribeTasks" && api != "DescribeTaskAttribute" {
			return fmt.Errorf("%q: the worker calls DescribeTaskAttribute and DescribeTasks only", api)
		}
		r, err := strconv.ParseFloat(rate, 64)
		if err != nil || r <= 0 {
			return fmt.Errorf("%q: want a positive rate", part)
		}
		(*q)[api] = r
	}
	return nil
}

// apply sets the rates of p that q overrides: DescribeTaskAttribute's is APIQPS, that of
// DescribeTasks BatchQPS.
func (q qpsFor) apply(p *poller.Config) {
	if r, ok := q["DescribeTaskAttribute"]; ok {
		p.APIQPS = r
	}
	if r, ok := q["DescribeTasks"]; ok {
		p.BatchQPS = r
	}
}

// natsClient is the connection and subject prefix of the commands that talk to a running
// deployment: register, watch, tasks, status.
type natsClient struct {
	NATS          natsclient.ConnConfig
	SubjectPrefix string
	// Account is --account: the subjects, streams and buckets of that account of the fleet's
	// accounts file (events.Subjects.ForAccount) instead of the default account's; for
	// register, the account the registration names (it is published for the default account,
	// whose workers forward it).
	Account string
	// namesAccount: --account goes into what the command publishes, not into its subjects.
	namesAccount bool
}

func (c *natsClient) register(fs *flag.FlagSet) {
	c.NATS.RegisterFlags(fs, nats.DefaultURL, "NATS server URL(s), comma-separated")
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "prefix of every NATS subject")
	usage := "account of the fleet's accounts file (taskpoller run --accounts) whose tasks this is about; empty: the default account (the file's first, or the only one without a file), whose subjects are the prefix's own"
	if c.namesAccount {
		usage = "account the registration names (taskpoller run --accounts), published for the default account's workers, which forward it; empty: the default account"
	}
	fs.StringVar(&c.Account, "account", "", usage)
}

func (c *natsClient) validate() error {
	_, err := c.subjects()
	return errors.Join(err, c.NATS.Validate())
}

// subjects are the subjects the command uses: the prefix's, or --account's.
func (c *natsClient) subjects() (events.Subjects, error) {
	s, err := events.NewSubjects(c.SubjectPrefix)
	if err != nil {
		return s, fmt.Errorf("--subject-prefix: %w", err)
	}
	if c.Account == "" || c.namesAccount {
		if c.Account != "" && !events.ValidAccount(c.Account) {
			return s, fmt.Errorf("--account %q: want 1 to 32 of a-z, 0-9 and '-'", c.Account)
		}
		return s, nil
	}
	a, err := s.ForAccount(c.Account)
	if err != nil {
		return s, fmt.Errorf("--account: %w", err)
	}
	return a, nil
}

// deployment is a connection to a running deployment.
type deployment struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	subjects events.Subjects
}

// inspector reads what JetStream holds of the deployment's tasks.
func (d deployment) inspector() *natsjs.Inspector { return natsjs.NewInspector(d.js, d.subjects) }

// dial connects as name (the command, for the server's connection list). The caller closes
// the connection (d.nc).
func (c *natsClient) dial(name string) (deployment, error) {
	subjects, err := c.subjects()
	if err != nil {
		return deployment{}, err
	}
	nc, js, err := c.NATS.Dial("", name, zap.NewNop())
	return deployment{nc: nc, js: js, subjects: subjects}, err
}

// dialFor is dial for a command that gives up after timeout: the context returned ends then.
// The caller calls done when finished, which releases it and closes the connection.
func (c *natsClient) dialFor(ctx context.Context, name string, timeout time.Duration) (_ context.Context, _ deployment, done func(), _ error) {
	d, err := c.dial(name)
	if err != nil {
		return ctx, d, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, d, func() { cancel(); d.nc.Close() }, nil
}
