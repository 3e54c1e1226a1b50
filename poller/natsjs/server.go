package natsjs

import (
	"fmt"
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
// connections. The caller must call Shutdown and WaitForShutdown. The server does not handle
// signals (NoSigs), so the process's own shutdown runs.
func StartServer(cfg ServerConfig) (*server.Server, error) {
	if cfg.Host == "" {
		cfg.Host = "127.0.0.1"
	}
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
	s.Start() // returns once the listeners run in the server's own goroutines
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		s.WaitForShutdown()
		return nil, fmt.Errorf("embedded nats server on %s:%d did not start", cfg.Host, cfg.Port)
	}
	return s, nil
}
