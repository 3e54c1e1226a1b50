package natsclient

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// linkRemind is how often a Link repeats its warning while NATS stays out of reach.
const linkRemind = 30 * time.Second

// Link is one client connection to NATS as its logs and readiness tell it. What it says
// names the server URL(s) with every password and token replaced by REDACTED (RedactURL)
// and the cause of the failure: the dial error (connection refused, no route to host, i/o
// timeout, no such host) or what the server answered (authorization violation). An outage
// is logged at Warn when it starts and when its cause changes, again every 30s while it
// lasts, and its end at Info. Safe for concurrent use.
type Link struct {
	url, shown string   // as given (only ever handed to the client), and redacted
	secrets    []string // the credentials in url, as they may stand in a cause (see scrub)
	log        *zap.Logger
	ping       time.Duration // the client's ping interval (pingInterval; tests shorten it)

	mu       sync.Mutex
	dialErrs map[string]error // address → its last failed dial, for nats.ErrNoServers
	up       bool
	down     time.Time // when the current outage began; zero when none
	cause    error     // the last failure of the current outage
	warned   time.Time // last warning about it
	said     string    // the cause that warning named
}

// NewLink returns the Link of a connection to url (comma-separated server URLs), reporting
// to log (nil: nowhere).
func NewLink(url string, log *zap.Logger) *Link {
	if log == nil {
		log = zap.NewNop()
	}
	return &Link{url: url, shown: RedactURL(url), secrets: credentialsIn(url), log: log, ping: pingInterval, dialErrs: map[string]error{}}
}

// pingInterval is how often the client pings the server; after maxPingsOut pings unanswered
// the connection counts as lost and the client reconnects. A connection whose peer vanished
// without closing it (a network cut, a frozen host) answers nothing and raises no error: with
// the client's defaults (2 minutes, 2 pings) such a connection was held for minutes, the worker
// unready and not reconnecting; now it is dropped within about half a minute.
const (
	pingInterval = 10 * time.Second
	maxPingsOut  = 2
)

// URL is the link's server URL(s), redacted.
func (l *Link) URL() string { return l.shown }

// Err is nil while connected; otherwise it says since when NATS has been out of reach and
// why, naming the URL (redacted).
func (l *Link) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.up:
		return nil
	case l.cause == nil:
		return fmt.Errorf("connecting to NATS at %s", l.shown)
	}
	return fmt.Errorf("cannot reach NATS at %s (for %s): %w", l.shown, time.Since(l.down).Round(time.Second), l.cause)
}

// Connect connects to the link's URL with the project's policy (see Connect) plus extra
// options. With retry it tries again every second until connected or ctx ends, logging
// as the Link's doc says; without, the first failure is returned. Errors name the URL
// (redacted) and the cause. The caller closes the connection.
func (l *Link) Connect(ctx context.Context, name string, retry bool, extra ...nats.Option) (*nats.Conn, error) {
	opts := append(l.options(name), extra...)
	timer := time.NewTimer(time.Second)
	timer.Stop()
	defer timer.Stop()
	for {
		l.mu.Lock()
		clear(l.dialErrs)
		l.mu.Unlock()
		nc, err := nats.Connect(l.url, opts...)
		if err == nil {
			if nc.IsConnected() { // with nats.RetryOnFailedConnect it may still be trying
				l.connected(nc.ConnectedUrl())
			}
			return nc, nil
		}
		if !retry {
			return nil, fmt.Errorf("connect to NATS at %s: %w", l.shown, l.explain(err))
		}
		err = l.failed(err)
		timer.Reset(time.Second)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to NATS at %s: %w", l.shown, errors.Join(err, ctx.Err()))
		}
	}
}

// options are the connection policy and the handlers through which the link follows the
// connection.
func (l *Link) options(name string) []nats.Option {
	return []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectBufSize(-1),
		nats.PingInterval(l.ping),
		nats.MaxPingsOutstanding(maxPingsOut),
		// Keep trying after the server refused the credentials twice (the client's default is
		// to close the connection for good): they may be fixed on the server's side.
		nats.IgnoreAuthErrorAbort(),
		nats.SetCustomDialer(linkDialer{l: l, d: net.Dialer{Timeout: nats.DefaultTimeout}}),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) { l.lost(err) }),
		nats.ConnectHandler(func(nc *nats.Conn) { l.connected(nc.ConnectedUrl()) }),
		nats.ReconnectHandler(func(nc *nats.Conn) { l.connected(nc.ConnectedUrl()) }),
		nats.ReconnectErrHandler(func(_ *nats.Conn, err error) { l.failed(err) }),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if isAuthError(err) { // the server refused us and closes the connection
				l.failed(err)
				return
			}
			l.log.Warn("NATS error", zap.String("url", l.shown), zap.Error(l.scrub(err)))
		}),
	}
}

func isAuthError(err error) bool {
	return errors.Is(err, nats.ErrAuthorization) || errors.Is(err, nats.ErrAuthExpired) ||
		errors.Is(err, nats.ErrAuthRevoked) || errors.Is(err, nats.ErrAccountAuthExpired)
}

// explain replaces nats.ErrNoServers, which the client returns when every server refused
// the connection, with the dials' own errors, and scrubs the credentials from the cause.
func (l *Link) explain(err error) error {
	if !errors.Is(err, nats.ErrNoServers) {
		return l.scrub(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.dialErrs) == 0 {
		return l.scrub(err)
	}
	addrs := make([]string, 0, len(l.dialErrs))
	for a := range l.dialErrs {
		addrs = append(addrs, a)
	}
	slices.Sort(addrs)
	errs := make([]error, 0, len(addrs))
	for _, a := range addrs {
		errs = append(errs, l.dialErrs[a])
	}
	return l.scrub(errors.Join(errs...))
}

// scrub returns err with the credentials of the link's URL replaced by REDACTED in its
// message: the client quotes a URL it cannot parse whole (url.Error). errors.Is and As still
// see err.
func (l *Link) scrub(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	out := msg
	for _, c := range l.secrets {
		out = strings.ReplaceAll(out, c+"@", "REDACTED@")
	}
	if out == msg {
		return err
	}
	return scrubbed{err: err, msg: out}
}

// scrubbed is an error whose message had credentials taken out.
type scrubbed struct {
	err error
	msg string
}

func (e scrubbed) Error() string { return e.msg }
func (e scrubbed) Unwrap() error { return e.err }

// credentialsIn returns the user information of each URL of urls (what stands between its
// scheme and its last "@"), as written and as quoted (%q), longest first.
func credentialsIn(urls string) []string {
	var out []string
	for _, p := range strings.Split(urls, ",") {
		p = strings.TrimSpace(p)
		if i := strings.Index(p, "://"); i >= 0 {
			p = p[i+3:]
		}
		at := strings.LastIndex(p, "@")
		if at <= 0 {
			continue
		}
		c := p[:at]
		q := strconv.Quote(c)
		out = append(out, c, q[1:len(q)-1])
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(out)
}

// failed records a failed attempt, warns as the Link's doc says, and returns the cause.
func (l *Link) failed(err error) error {
	err = l.explain(err)
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up, l.cause = false, err
	switch {
	case l.down.IsZero(): // a new outage: warn below
		l.down = now
	case err.Error() != l.said: // another cause: warn below
	case now.Sub(l.warned) >= linkRemind:
		l.log.Warn("still cannot reach NATS; retrying", zap.String("url", l.shown), zap.Error(err),
			zap.Duration("for", now.Sub(l.down).Round(time.Second)))
		l.warned = now
		return err
	default:
		return err
	}
	l.log.Warn("cannot reach NATS; retrying", zap.String("url", l.shown), zap.Error(err))
	l.warned, l.said = now, err.Error()
	return err
}

// lost records a disconnection; err is nil when the connection was closed on purpose.
func (l *Link) lost(err error) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.up = false
	if err == nil {
		return
	}
	err = l.scrub(err)
	l.cause = err
	if l.down.IsZero() {
		l.down = now
	}
	l.log.Warn("disconnected from NATS", zap.String("url", l.shown), zap.Error(err))
	l.warned, l.said = now, err.Error()
}

// connected records a connection to server.
func (l *Link) connected(server string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.up {
		return
	}
	fields := []zap.Field{zap.String("server", RedactURL(server))}
	if !l.down.IsZero() {
		fields = append(fields, zap.Duration("after", time.Since(l.down).Round(time.Millisecond)))
	}
	l.log.Info("connected to NATS", fields...)
	l.up, l.down, l.cause, l.said = true, time.Time{}, nil, ""
}

// linkDialer dials as net.Dialer does and remembers each address's failure for the link.
type linkDialer struct {
	l *Link
	d net.Dialer
}

func (d linkDialer) Dial(network, address string) (net.Conn, error) {
	c, err := d.d.Dial(network, address)
	d.l.mu.Lock()
	defer d.l.mu.Unlock()
	if err != nil {
		d.l.dialErrs[address] = err
	} else {
		delete(d.l.dialErrs, address)
	}
	return c, err
}

// RedactURL returns urls (comma-separated NATS server URLs) with every password replaced by
// REDACTED, and the user part of a URL without password, which NATS takes as a token, too:
// nats://user:REDACTED@host:4222, nats://REDACTED@host:4222.
func RedactURL(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = redactOne(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

func redactOne(s string) string {
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return s
	}
	raw, scheme := s, ""
	if !strings.Contains(s, "://") {
		raw = "nats://" + s
	} else {
		scheme = s[:strings.Index(s, "://")+3]
	}
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		rest := s[at+1:] // cannot parse it: keep only what follows the credentials
		return scheme + "REDACTED@" + rest
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "REDACTED")
	} else {
		u.User = url.User("REDACTED")
	}
	out := u.String()
	if scheme == "" {
		out = strings.TrimPrefix(out, "nats://")
	}
	return out
}

// Unreachable reports whether err says only that NATS is out of reach (disconnected,
// reconnecting, nothing buffered meanwhile): what the connection's Link tells, once and then
// every 30s, so that those who hit it may log it at Debug.
func Unreachable(err error) bool {
	for _, target := range []error{nats.ErrReconnectBufExceeded, nats.ErrDisconnected,
		nats.ErrConnectionReconnecting, nats.ErrConnectionClosed, nats.ErrNoServers} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
