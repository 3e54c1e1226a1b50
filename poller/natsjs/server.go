package natsjs

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// ServerConfig configures an embedded NATS server.
type ServerConfig struct {
	Host     string // listen host; "127.0.0.1"
	Port     int    // listen port; -1 picks a free one
	StoreDir string // JetStream storage
	// MaxPayload is the largest message the server accepts; 0: the server's default (1 MiB).
	MaxPayload int32
}

// StartServer starts an embedded NATS server with JetStream and waits until it accepts
// connections. A server that cannot start — its port taken, its store not writable — fails
// at once with the cause, such as "listen tcp 127.0.0.1:4222: bind: address already in use"
// (errors.Is(err, syscall.EADDRINUSE) holds). The caller must call Shutdown and
// WaitForShutdown. The server does not handle signals (NoSigs), so the process's own shutdown
// runs.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
	hp := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	s, err := server.NewServer(&server.Options{
		ServerName: "taskpoller-embedded",
		Host:       cfg.Host,
		Port:       cfg.Port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		MaxPayload: cfg.MaxPayload,
		NoSigs:     true,
		NoLog:      true,
	})
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	fatal := &fatalLogger{}
	s.SetLogger(fatal, false, false)
	// Start returns once the listeners run in the server's own goroutines, or once one has
	// failed: the client listener is opened in Start itself, and a failure is reported
	// through the logger's Fatalf (which, ours, does not exit).
	s.Start()
	if err := fatal.err(); err != nil {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats server on %s: %w", hp, err)
	}
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats server on %s did not start: %w", hp, errors.Join(fatal.err(), errors.New("not ready for connections after 10s")))
	}
	return s, nil
}

// fatalLogger keeps the first fatal error of a server and drops every other line.
type fatalLogger struct {
	mu    sync.Mutex
	first error
}

func (l *fatalLogger) err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.first
}

// Fatalf keeps the error among v (the listen error, for one), or else the message.
func (l *fatalLogger) Fatalf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.first != nil {
		return
	}
	for _, a := range v {
		if e, ok := a.(error); ok {
			l.first = e
			return
		}
	}
	l.first = fmt.Errorf(format, v...)
}

func (*fatalLogger) Noticef(string, ...any) {}
func (*fatalLogger) Warnf(string, ...any)   {}
func (*fatalLogger) Errorf(string, ...any)  {}
func (*fatalLogger) Debugf(string, ...any)  {}
func (*fatalLogger) Tracef(string, ...any)  {}
