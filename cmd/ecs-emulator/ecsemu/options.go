package ecsemu

import (
	"crypto/tls"
	"fmt"
	"time"

	"go.uber.org/zap"
)

// Action names the emulator serves.
const (
	ActionExportImage           = "ExportImage"
	ActionImportImage           = "ImportImage"
	ActionModifyDiskSpec        = "ModifyDiskSpec"
	ActionDescribeTaskAttribute = "DescribeTaskAttribute"
	ActionDescribeTasks         = "DescribeTasks"
	ActionCancelTask            = "CancelTask"
)

// Default access key pair accepted when no WithCredentials option is given.
const (
	DefaultAccessKeyID     = "test-ak"
	DefaultAccessKeySecret = "test-secret"
)

// Option configures a Server.
type Option func(*config)

type credential struct {
	secret  string
	token   string // non-empty: an STS pair that must carry this token
	account string // the account ID whose tasks the key sees
}

type durations struct{ waiting, processing time.Duration }

type config struct {
	addr          string
	tlsAddr       string           // also serve HTTPS here; "" for none
	tlsCert       *tls.Certificate // nil: TestCertificate
	creds         map[string]credential
	roles         []Role
	stsLifetime   time.Duration
	timeScale     float64
	durations     map[string]durations
	faults        Faults
	quotas        map[string]float64
	quotaWindow   bool
	failureRates  map[string]float64
	denied        map[string]bool
	logger        *zap.Logger
	now           func() time.Time
	maxSkew       time.Duration
	nonceCapacity int
	callHistory   int
	maxBodyBytes  int64
	observer      func(Call) // nil: none
}

func defaultConfig() config {
	return config{
		addr:      "127.0.0.1:0",
		creds:     map[string]credential{},
		timeScale: 1,
		durations: map[string]durations{
			ActionExportImage:    {time.Minute, 20 * time.Minute},
			ActionImportImage:    {time.Minute, 30 * time.Minute},
			ActionModifyDiskSpec: {10 * time.Second, 5 * time.Minute},
		},
		quotas:        map[string]float64{},
		failureRates:  map[string]float64{},
		denied:        map[string]bool{},
		logger:        zap.NewNop(),
		now:           time.Now,
		maxSkew:       15 * time.Minute,
		nonceCapacity: 1 << 18,
		callHistory:   10000,
		maxBodyBytes:  1 << 20,
	}
}

// CheckOptions reports the first setting of opts that New would refuse (a time scale, duration,
// fault, quota, failure rate or bound out of range, an account or role malformed), without
// listening.
func CheckOptions(opts ...Option) error {
	_, err := configure(opts)
	return err
}

// configure applies opts to the defaults and checks the result.
func configure(opts []Option) (config, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return config{}, err
	}
	return cfg, nil
}

func (c *config) validate() error {
	if c.timeScale <= 0 {
		return fmt.Errorf("ecsemu: time scale %v must be > 0", c.timeScale)
	}
	for a, d := range c.durations {
		if d.waiting < 0 || d.processing < 0 {
			return fmt.Errorf("ecsemu: durations of %s must not be negative", a)
		}
	}
	if err := c.faults.Validate(); err != nil {
		return err
	}
	for a, q := range c.quotas {
		if q <= 0 {
			return fmt.Errorf("ecsemu: quota of %s must be > 0 calls/s, got %v", a, q)
		}
	}
	for a, r := range c.failureRates {
		if r < 0 || r > 1 {
			return fmt.Errorf("ecsemu: failure rate of %s must be within 0..1, got %v", a, r)
		}
	}
	if c.nonceCapacity < 1 || c.callHistory < 1 || c.maxBodyBytes < 1 {
		return fmt.Errorf("ecsemu: nonce capacity, call history and body limit must be positive")
	}
	if len(c.creds) == 0 {
		c.creds[DefaultAccessKeyID] = credential{secret: DefaultAccessKeySecret, account: DefaultAccountID}
	}
	if err := c.validateAccounts(); err != nil {
		return err
	}
	return c.validateRoles()
}

// WithAddr sets the listen address (default "127.0.0.1:0", a free port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }

// WithCredentials accepts an access key pair of the account DefaultAccountID; it may be
// repeated. Without any key (of any account), the pair DefaultAccessKeyID/DefaultAccessKeySecret
// is accepted.
func WithCredentials(accessKeyID, accessKeySecret string) Option {
	return WithAccountCredentials(DefaultAccountID, accessKeyID, accessKeySecret)
}

// WithAccountCredentials accepts an access key pair of the account accountID (1 to 32 digits,
// as in role ARNs); it may be repeated. A call signed with it sees, creates and lists only the
// tasks of that account, and counts towards that account's quotas.
func WithAccountCredentials(accountID, accessKeyID, accessKeySecret string) Option {
	return func(c *config) { c.creds[accessKeyID] = credential{secret: accessKeySecret, account: accountID} }
}

// WithSecurityToken accepts an STS pair of the account DefaultAccountID: requests signed with
// it must carry token in x-acs-security-token (SecurityToken with the legacy signature). It
// never expires; AssumeRole issues pairs that do.
func WithSecurityToken(accessKeyID, accessKeySecret, token string) Option {
	return func(c *config) {
		c.creds[accessKeyID] = credential{secret: accessKeySecret, token: token, account: DefaultAccountID}
	}
}

// WithTimeScale divides every emulated duration by scale (default 1), so a
// scale of 1200 runs a 20-minute export in one second.
func WithTimeScale(scale float64) Option { return func(c *config) { c.timeScale = scale } }

// WithDurations sets the unscaled lifecycle of tasks created through the API
// for action: waiting in Waiting, then processing in Processing. Defaults:
// ExportImage 1m/20m, ImportImage 1m/30m, ModifyDiskSpec 10s/5m.
func WithDurations(action string, waiting, processing time.Duration) Option {
	return func(c *config) { c.durations[action] = durations{waiting, processing} }
}

// WithFaults sets the initial fault injection (see Faults).
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithQuota limits action to qps calls per second per account and region (a token bucket
// with a burst of max(1, qps)), as ECS counts its quotas; calls above it get 400
// Throttling.User.
func WithQuota(action string, qps float64) Option {
	return func(c *config) { c.quotas[action] = qps }
}

// WithQuotaWindow makes quotas count each action's calls per account and region in
// wall-clock seconds (of the emulator's clock) instead of a token bucket:
// at most max(1, floor(qps)) calls a second, the rest throttled, as a
// per-second quota counted in fixed windows.
func WithQuotaWindow() Option { return func(c *config) { c.quotaWindow = true } }

// WithFailureRate makes that fraction (0..1) of the tasks created through
// the API for action fail partway with ErrorCode "InternalError".
func WithFailureRate(action string, rate float64) Option {
	return func(c *config) { c.failureRates[action] = rate }
}

// WithDeniedAccessKey answers every request signed by accessKeyID with
// 403 Forbidden.RAM, as for a RAM user without permission. See also
// Server.Deny.
func WithDeniedAccessKey(accessKeyID string) Option {
	return func(c *config) { c.denied[accessKeyID] = true }
}

// WithLogger sets the logger (default zap.NewNop()).
func WithLogger(l *zap.Logger) Option { return func(c *config) { c.logger = l } }

// WithClock replaces time.Now, for example to shift the server clock and
// provoke InvalidTimeStamp.Expired.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithNonceCapacity bounds the set of remembered signature nonces (default
// 262144); the oldest are forgotten first, and all after 30 minutes.
func WithNonceCapacity(n int) Option { return func(c *config) { c.nonceCapacity = n } }

// WithCallHistory bounds the calls remembered per task for Calls (default
// 10000, the most recent are kept). Counters per action and code are exact;
// per-task counters and histories cover the first 100000 task IDs named.
func WithCallHistory(n int) Option { return func(c *config) { c.callHistory = n } }

// WithMaxBodyBytes bounds request bodies (default 1 MiB); larger requests
// get 413 RequestEntityTooLarge.
func WithMaxBodyBytes(n int64) Option { return func(c *config) { c.maxBodyBytes = n } }

// WithCallObserver calls fn with every request the emulator answers, once it is counted (as
// Stats counts it), from the goroutine serving the request: every action and answer, each
// with its account and region, for a caller that needs more than the per-task history of
// Calls (calls of an account per wall-clock second, say). fn must be safe for concurrent use
// and return quickly: the answer waits for it.
func WithCallObserver(fn func(Call)) Option { return func(c *config) { c.observer = fn } }
