package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
)

// envPrefix prefixes the environment variable of every flag:
// --time-scale is also ECSEMU_TIME_SCALE.
const envPrefix = "ECSEMU_"

// AccessKey is one accepted access key pair, with a token for STS pairs.
type AccessKey struct {
	ID, Secret, Token string
}

// Config is the configuration of the emulator binary.
type Config struct {
	Addr       string
	TLSAddr    string // also serve HTTPS (with ecsemu.TestCertificatePEM) here; "" for none
	AccessKeys []AccessKey
	// KeyAccounts maps access key IDs to the ID of their account; a key not in it belongs to
	// ecsemu.DefaultAccountID.
	KeyAccounts map[string]string
	Roles       []ecsemu.Role
	STSLifetime time.Duration // of every key AssumeRole issues; 0 honours DurationSeconds
	TimeScale   float64
	Faults      ecsemu.Faults
	Quotas      map[string]float64
	QuotaWindow bool // quotas count calls per wall-clock second instead of a token bucket
	FailureRate map[string]float64
	Durations   map[string][2]time.Duration // action → waiting, processing (unscaled)
	LogLevel    zapcore.Level
}

// parseConfig reads the flags in args, then the ECSEMU_* variables of
// getenv for flags not given; flags win over the environment. It returns
// flag.ErrHelp for --help after writing the usage to out.
func parseConfig(args []string, getenv func(string) string, out io.Writer) (Config, error) {
	var (
		cfg                    Config
		keys, quota, failRates string
		roles                  string
		durations, logLevel    string
	)
	fs := flag.NewFlagSet("ecs-emulator", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address (in a container use 0.0.0.0:8080)")
	fs.StringVar(&cfg.TLSAddr, "tls-addr", "", "also serve the API over HTTPS here (for STS AssumeRole: credentials-go calls STS over HTTPS only), with the test certificate served at /_emulator/tls-cert; empty for none")
	fs.StringVar(&keys, "access-keys", ecsemu.DefaultAccessKeyID+":"+ecsemu.DefaultAccessKeySecret,
		"accepted access key pairs, comma-separated id:secret; id:secret:token for an STS pair;\n\taccount=id:secret for a key of another account than "+ecsemu.DefaultAccountID+" (account IDs are 1 to 32 digits)")
	fs.StringVar(&roles, "roles", "", "RAM roles AssumeRole may assume, comma-separated ARN[@TRUSTED+TRUSTED...][#EXTERNAL_ID],\n\te.g. acs:ram::2222222222222222:role/taskpoller@1111111111111111#ext-1 (the role's own account may always assume it)")
	fs.DurationVar(&cfg.STSLifetime, "sts-lifetime", 0, "lifetime of every key AssumeRole issues, e.g. 30s to see refreshes; 0 honours DurationSeconds")
	fs.Float64Var(&cfg.TimeScale, "time-scale", 1, "divide emulated task durations by this (1200 runs a 20-minute export in 1 s)")
	fs.Float64Var(&cfg.Faults.Throttle, "throttle-rate", 0, "fraction of requests answered 400 Throttling.User")
	fs.Float64Var(&cfg.Faults.Unavailable, "unavailable-rate", 0, "fraction of requests answered 503 ServiceUnavailable")
	fs.Float64Var(&cfg.Faults.Internal, "internal-rate", 0, "fraction of requests answered 500 InternalError")
	fs.Float64Var(&cfg.Faults.BadGateway, "bad-gateway-rate", 0, "fraction of requests answered 502 with a non-JSON HTML body")
	fs.Float64Var(&cfg.Faults.Drop, "drop-rate", 0, "fraction of requests whose connection is closed without an answer")
	fs.DurationVar(&cfg.Faults.Latency, "latency", 0, "latency added to every answer, e.g. 50ms")
	fs.StringVar(&quota, "quota", "", "per-action, per-region quotas in calls/s, e.g. DescribeTaskAttribute=20,ExportImage=5")
	fs.BoolVar(&cfg.QuotaWindow, "quota-window", false, "count each quota per wall-clock second (at most floor(qps) calls a second) instead of a token bucket with a burst of qps")
	fs.StringVar(&failRates, "failure-rate", "", "fraction of API-created tasks that fail partway, per action, e.g. ExportImage=0.1")
	fs.StringVar(&durations, "durations", "",
		"unscaled Waiting/Processing durations of API-created tasks per action, e.g. ExportImage=1m/20m,ModifyDiskSpec=10s/5m\n\t(defaults ExportImage=1m/20m, ImportImage=1m/30m, ModifyDiskSpec=10s/5m)")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn or error (debug logs every call)")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	lookup := func(k string) (string, bool) { v := getenv(k); return v, v != "" }
	if err := flagenv.Apply(fs, envPrefix, lookup); err != nil {
		return Config{}, err
	}
	var err error
	if cfg.AccessKeys, cfg.KeyAccounts, err = parseKeys(keys); err != nil {
		return Config{}, fmt.Errorf("--access-keys: %w", err)
	}
	if cfg.Roles, err = parseRoles(roles); err != nil {
		return Config{}, fmt.Errorf("--roles: %w", err)
	}
	if cfg.Quotas, err = parseRates(quota); err != nil {
		return Config{}, fmt.Errorf("--quota: %w", err)
	}
	if cfg.FailureRate, err = parseRates(failRates); err != nil {
		return Config{}, fmt.Errorf("--failure-rate: %w", err)
	}
	if cfg.Durations, err = parseDurations(durations); err != nil {
		return Config{}, fmt.Errorf("--durations: %w", err)
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(logLevel)); err != nil {
		return Config{}, fmt.Errorf("--log-level: %w", err)
	}
	return cfg, nil
}

// Validate reports the first invalid setting: an empty address, no access key, or what the
// emulator refuses (ecsemu.CheckOptions: time scale, fault rates, quotas, failure rates,
// accounts, roles, the STS lifetime).
func (c Config) Validate() error {
	if c.Addr == "" {
		return errors.New("--addr is empty")
	}
	if len(c.AccessKeys) == 0 {
		return errors.New("--access-keys lists no key")
	}
	return ecsemu.CheckOptions(c.options()...)
}

func envName(flagName string) string { return flagenv.Name(envPrefix, flagName) }

func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "Usage: ecs-emulator [flags]\n\nAn emulator of the Alibaba Cloud ECS OpenAPI task actions for tests and demos.\n"+
		"Every flag can also be set by its environment variable; a flag given on the command line wins.\n"+
		"The unsigned test control surface is served under /_emulator/ (see docs/ecs-emulator.md).\n\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		fmt.Fprintf(w, "  --%s (env %s, default %q)\n    \t%s\n", f.Name, envName(f.Name), f.DefValue, f.Usage)
	})
}

// parseKeys reads --access-keys: the keys, and the accounts of those given as account=id:secret.
// Only the key IDs are quoted in errors, never a secret or token.
func parseKeys(s string) ([]AccessKey, map[string]string, error) {
	var keys []AccessKey
	accounts := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		account := ""
		if eq, colon := strings.Index(item, "="), strings.Index(item, ":"); eq >= 0 && (colon < 0 || eq < colon) {
			account, item = item[:eq], item[eq+1:]
		}
		parts := strings.SplitN(item, ":", 3)
		if len(parts) < 2 || parts[0] == "" || parts[1] == "" {
			return nil, nil, fmt.Errorf("an item is not [account=]id:secret[:token]")
		}
		k := AccessKey{ID: parts[0], Secret: parts[1]}
		if len(parts) == 3 {
			k.Token = parts[2]
		}
		if account != "" {
			if k.Token != "" {
				return nil, nil, fmt.Errorf("key %s: an STS pair (id:secret:token) belongs to the default account; give it no account", k.ID)
			}
			accounts[k.ID] = account
		}
		keys = append(keys, k)
	}
	return keys, accounts, nil
}

// parseRoles reads --roles: ARN[@TRUSTED+TRUSTED...][#EXTERNAL_ID], comma-separated.
func parseRoles(s string) ([]ecsemu.Role, error) {
	var roles []ecsemu.Role
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		var r ecsemu.Role
		item, r.ExternalID, _ = strings.Cut(item, "#")
		arn, trusted, _ := strings.Cut(item, "@")
		rest, ok := strings.CutPrefix(arn, "acs:ram::")
		if ok {
			r.AccountID, r.Name, ok = strings.Cut(rest, ":role/")
		}
		if !ok {
			return nil, fmt.Errorf("%q is not acs:ram::ACCOUNT:role/NAME[@TRUSTED+...][#EXTERNAL_ID]", item)
		}
		if trusted != "" {
			r.TrustedAccounts = strings.Split(trusted, "+")
		}
		roles = append(roles, r)
	}
	return roles, nil
}

func parseRates(s string) (map[string]float64, error) {
	out := map[string]float64{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("%q is not Action=number", item)
		}
		v, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		out[name] = v
	}
	return out, nil
}

func parseDurations(s string) (map[string][2]time.Duration, error) {
	out := map[string][2]time.Duration{}
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		name, val, ok := strings.Cut(item, "=")
		w, p, ok2 := strings.Cut(val, "/")
		if !ok || !ok2 || name == "" {
			return nil, fmt.Errorf("%q is not Action=waiting/processing", item)
		}
		wd, err := time.ParseDuration(w)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		pd, err := time.ParseDuration(p)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", item, err)
		}
		if wd < 0 || pd < 0 {
			return nil, fmt.Errorf("%q: negative duration", item)
		}
		out[name] = [2]time.Duration{wd, pd}
	}
	return out, nil
}

// options turns the configuration into emulator options.
func (c Config) options() []ecsemu.Option {
	opts := []ecsemu.Option{ecsemu.WithAddr(c.Addr), ecsemu.WithTimeScale(c.TimeScale), ecsemu.WithFaults(c.Faults)}
	if c.TLSAddr != "" {
		opts = append(opts, ecsemu.WithTLS(c.TLSAddr))
	}
	for _, k := range c.AccessKeys {
		switch account, ok := c.KeyAccounts[k.ID]; {
		case ok:
			opts = append(opts, ecsemu.WithAccountCredentials(account, k.ID, k.Secret))
		case k.Token != "":
			opts = append(opts, ecsemu.WithSecurityToken(k.ID, k.Secret, k.Token))
		default:
			opts = append(opts, ecsemu.WithCredentials(k.ID, k.Secret))
		}
	}
	for _, r := range c.Roles {
		opts = append(opts, ecsemu.WithRole(r))
	}
	if c.STSLifetime != 0 {
		opts = append(opts, ecsemu.WithSTSLifetime(c.STSLifetime))
	}
	for a, q := range c.Quotas {
		opts = append(opts, ecsemu.WithQuota(a, q))
	}
	if c.QuotaWindow {
		opts = append(opts, ecsemu.WithQuotaWindow())
	}
	for a, r := range c.FailureRate {
		opts = append(opts, ecsemu.WithFailureRate(a, r))
	}
	for a, d := range c.Durations {
		opts = append(opts, ecsemu.WithDurations(a, d[0], d[1]))
	}
	return opts
}
