package natsclient_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

const password = "pw-7c1e55"

// freePort returns a port nothing listens on (it did a moment ago).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// authServer starts a nats-server on port (-1: any) that wants user "bob" with password.
func authServer(t *testing.T, port int) *server.Server {
	t.Helper()
	s, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: port, Username: "bob", Password: password, NoSigs: true, NoLog: true})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		t.Fatal("auth server not ready")
	}
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return s
}

func url(pass string, port int) string {
	return "nats://bob:" + pass + "@127.0.0.1:" + strconv.Itoa(port)
}

// A connection that fails says where to (the URL, its password redacted) and why: refused,
// a server that never answers (timeout), credentials refused. It used to say "no servers
// available for connection" for a refusal.
func TestConnectNamesURLAndCause(t *testing.T) {
	refused := freePort(t)
	hang, err := net.Listen("tcp", "127.0.0.1:0") // accepts, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer hang.Close()
	auth := authServer(t, -1)
	authPort := auth.Addr().(*net.TCPAddr).Port
	tests := []struct {
		name, url, cause string
	}{
		{"refused", url(password, refused), "connection refused"},
		{"no answer", url(password, hang.Addr().(*net.TCPAddr).Port), "i/o timeout"},
		{"bad password", url("wrong-"+password, authPort), "authorization violation"},
		{"token refused", "nats://tok-" + password + "@127.0.0.1:" + strconv.Itoa(authPort), "authorization violation"},
	}
	for _, tt := range tests {
		nc, err := natsclient.Connect(tt.url, "test", zap.NewNop())
		if err == nil {
			nc.Close()
			t.Errorf("%s: connected", tt.name)
			continue
		}
		msg := err.Error()
		if !strings.Contains(strings.ToLower(msg), tt.cause) || !strings.Contains(msg, natsclient.RedactURL(tt.url)) || strings.Contains(msg, password) {
			t.Errorf("%s: error %q; want it to name %s and say %q, without the password", tt.name, msg, natsclient.RedactURL(tt.url), tt.cause)
		}
	}
	nc, err := natsclient.Connect(url(password, authPort), "test", zap.NewNop())
	if err != nil {
		t.Fatalf("the right password is refused: %v", err)
	}
	nc.Close()
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"nats://127.0.0.1:4222":                         "nats://127.0.0.1:4222",
		"nats://bob:secret@h:4222":                      "nats://bob:REDACTED@h:4222",
		"nats://secrettoken@h:4222":                     "nats://REDACTED@h:4222",
		"tls://bob:se%40cret@h:4222,nats://x:y@h2:4222": "tls://bob:REDACTED@h:4222,nats://x:REDACTED@h2:4222",
		"bob:secret@h:4222":                             "bob:REDACTED@h:4222",
		"nats://bob:sec ret%zz@h:4222":                  "nats://REDACTED@h:4222",
		"nats://a@b:secret@h:4222":                      "nats://a%40b:REDACTED@h:4222",
		"nats://n1:4222, nats://n2:4222":                "nats://n1:4222,nats://n2:4222",
		"ws://u:p@[::1]:8080":                           "ws://u:REDACTED@[::1]:8080",
		"nats://bob:secret@h:4222/?x=1":                 "nats://bob:REDACTED@h:4222/?x=1",
	} {
		got := natsclient.RedactURL(in)
		if got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// A worker started before NATS keeps trying, and says so at Warn with the URL and the cause;
// once NATS is up it connects and says so; meanwhile Err tells readiness why it is not up.
func TestLinkRetriesLoudlyUntilNATSIsUp(t *testing.T) {
	port := freePort(t)
	core, logs := observer.New(zapcore.InfoLevel)
	warned := make(chan struct{}, 1)
	log := zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if e.Level == zapcore.WarnLevel {
			select {
			case warned <- struct{}{}:
			default:
			}
		}
		return nil
	}))
	link := natsclient.NewLink(url(password, port), log)
	if err := link.Err(); err == nil || !strings.Contains(err.Error(), "connecting to NATS at nats://bob:REDACTED@127.0.0.1:") {
		t.Errorf("Err before any attempt = %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	type result struct {
		nc  interface{ Close() }
		err error
	}
	done := make(chan result, 1)
	go func() {
		nc, err := link.Connect(ctx, "test", true)
		done <- result{nc, err}
	}()
	select {
	case <-warned:
	case r := <-done:
		t.Fatalf("Connect returned before NATS was up: %v", r.err)
	}
	if err := link.Err(); err == nil || !strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), password) {
		t.Errorf("Err while NATS is down = %v; want the cause, without the password", err)
	}
	authServer(t, port)
	r := <-done
	if r.err != nil {
		t.Fatalf("Connect: %v", r.err)
	}
	defer r.nc.Close()
	if err := link.Err(); err != nil {
		t.Errorf("Err once connected = %v", err)
	}
	first := logs.FilterMessage("cannot reach NATS; retrying").All()
	if len(first) == 0 || first[0].ContextMap()["url"] != natsclient.RedactURL(url(password, port)) ||
		!strings.Contains(first[0].ContextMap()["error"].(string), "connection refused") {
		t.Errorf("warnings %v; want one naming the redacted URL and the refusal", first)
	}
	if n := logs.FilterMessage("connected to NATS").Len(); n != 1 {
		t.Errorf("%d connected lines, want 1", n)
	}
	for _, e := range logs.All() {
		for k, v := range e.ContextMap() {
			if s, ok := v.(string); ok && strings.Contains(s, password) {
				t.Errorf("log %q field %s holds the password: %q", e.Message, k, s)
			}
		}
	}
}

// A retrying Connect ends with ctx, saying why it never connected.
func TestLinkConnectEndsWithContext(t *testing.T) {
	link := natsclient.NewLink(url(password, freePort(t)), zap.NewNop())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := link.Connect(ctx, "test", true)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("err = %v; want the refusal and context.Canceled", err)
	}
}

// An embedded server whose port is taken fails at once with the cause; it used to wait 10s
// and say only that it did not start.
func TestStartServerPortTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = natsjs.StartServer(natsjs.ServerConfig{Port: ln.Addr().(*net.TCPAddr).Port, StoreDir: t.TempDir()})
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("err = %v; want address already in use", err)
	}
}

// A connection lost later is told the same way: the disconnection, then why reconnecting
// fails, and Err gives the cause until it is back.
func TestLinkTellsWhyReconnectingFails(t *testing.T) {
	srv := authServer(t, -1)
	port := srv.Addr().(*net.TCPAddr).Port
	core, logs := observer.New(zapcore.InfoLevel)
	refused := make(chan struct{}, 1)
	log := zap.New(core, zap.Hooks(func(e zapcore.Entry) error {
		if e.Message == "cannot reach NATS; retrying" {
			select {
			case refused <- struct{}{}:
			default:
			}
		}
		return nil
	}))
	link := natsclient.NewLink(url(password, port), log)
	nc, err := link.Connect(context.Background(), "test", false)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	srv.Shutdown()
	srv.WaitForShutdown()
	select {
	case <-refused:
	case <-time.After(20 * time.Second):
		t.Fatalf("no warning while reconnecting fails: %v", logs.All())
	}
	if err := link.Err(); err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), natsclient.RedactURL(url(password, port))) {
		t.Errorf("Err = %v; want the URL and the refusal", err)
	}
	if logs.FilterMessage("disconnected from NATS").Len() != 1 {
		t.Errorf("logs %v; want one disconnection", logs.All())
	}
}

// A URL the client cannot parse is quoted whole in the client's error (url.Error): the cause
// a Link reports must not bring back the password the URL's redaction took out, neither in
// the error nor in what it logs while retrying.
func TestLinkRedactsAnUnparsableURLInItsCause(t *testing.T) {
	for _, u := range []string{
		"nats://bob:" + password + "%zz@127.0.0.1:4222",
		"nats://bob:" + password + "@[::1:4222",
		"nats://127.0.0.1:4222,nats://tok" + password + "%@127.0.0.1:4223",
	} {
		_, err := natsclient.Connect(u, "test", zap.NewNop())
		if err == nil || strings.Contains(err.Error(), password) {
			t.Errorf("Connect(%s): error %v; want one without the password", natsclient.RedactURL(u), err)
		}
		core, logs := observer.New(zapcore.DebugLevel)
		link := natsclient.NewLink(u, zap.New(core))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		_, err = link.Connect(ctx, "test", true)
		cancel()
		if err == nil || strings.Contains(err.Error(), password) {
			t.Errorf("Link.Connect(%s) with retry: error %v; want one without the password", natsclient.RedactURL(u), err)
		}
		if lerr := link.Err(); lerr == nil || strings.Contains(lerr.Error(), password) {
			t.Errorf("Link.Err(%s) = %v; want one without the password", natsclient.RedactURL(u), lerr)
		}
		for _, e := range logs.All() {
			for k, v := range e.ContextMap() {
				if strings.Contains(e.Message, password) || strings.Contains(fmt.Sprint(v), password) {
					t.Errorf("log %q field %s = %v shows the password", e.Message, k, v)
				}
			}
		}
	}
}
