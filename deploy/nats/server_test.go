package natsconf_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events/natsclient"
)

// passwords are the test's values of the environment users.conf reads its passwords from.
var passwords = map[string]string{
	"worker":   "w-secret",
	"producer": "p-secret",
	"consumer": "c-secret",
	"ops":      "o-secret",
	"admin":    "a-secret",
}

// setPasswords puts passwords where users.conf reads them: TP_NATS_<USER>_PASSWORD.
func setPasswords(t *testing.T) {
	t.Helper()
	for user, pw := range passwords {
		t.Setenv("TP_NATS_"+strings.ToUpper(user)+"_PASSWORD", pw)
	}
}

// start runs an embedded JetStream server with the shipped users.conf (included by
// testdata/server.conf) and returns its client URL without credentials.
func start(t *testing.T) string {
	t.Helper()
	setPasswords(t)
	opts, err := server.ProcessConfigFile("testdata/server.conf")
	if err != nil {
		t.Fatal(err)
	}
	opts.StoreDir, opts.NoSigs, opts.NoLog = t.TempDir(), true, true
	s, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready for connections")
	}
	return s.ClientURL()
}

// client is a connection as one user, with the asynchronous errors the server sent it.
type client struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	errs chan error
}

// dial connects to srv as user, with the user's password in the URL as the commands take
// it (--nats-url nats://user:password@host:4222).
func dial(t *testing.T, srv, user string) client {
	t.Helper()
	u, err := url.Parse(srv)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, passwords[user])
	c := client{errs: make(chan error, 16)}
	c.nc, c.js, err = natsclient.ConnConfig{URL: u.String()}.Dial("", user, zap.NewNop(),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			select {
			case c.errs <- err:
			default:
			}
		}))
	if err != nil {
		t.Fatalf("connect as %s: %v", user, err)
	}
	t.Cleanup(c.nc.Close)
	return c
}

// refused publishes data on subject with core NATS and waits for the server to refuse it
// with a permissions violation naming the subject.
func (c client) refused(t *testing.T, subject string) {
	t.Helper()
	if err := c.nc.Publish(subject, []byte(`{}`)); err != nil {
		t.Fatalf("publish %s: %v", subject, err)
	}
	if err := c.nc.Flush(); err != nil {
		t.Fatalf("flush: %v", err)
	}
	c.violation(t, "publish", subject)
}

// violation waits for the server's permissions violation of op ("publish", "subscription")
// on subject.
func (c client) violation(t *testing.T, op, subject string) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case err := <-c.errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(strings.ToLower(err.Error()), op) && strings.Contains(err.Error(), `"`+subject+`"`) {
				return
			}
			t.Errorf("unexpected async error: %v", err)
		case <-deadline:
			t.Fatalf("%s on %s not refused with a permissions violation", op, subject)
		}
	}
}
