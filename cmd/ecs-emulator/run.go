package main

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// run serves the emulator until ctx is done, then closes it and waits for
// every connection.
func run(ctx context.Context, cfg Config) error {
	logCfg := zap.NewProductionConfig()
	logCfg.Level = zap.NewAtomicLevelAt(cfg.LogLevel)
	logger, err := logCfg.Build()
	if err != nil {
		return fmt.Errorf("logger: %w", err)
	}
	defer func() { _ = logger.Sync() }()
	return serve(ctx, cfg, logger, nil)
}

// serve runs the emulator with logger; ready, if not nil, receives the
// endpoint once it listens.
func serve(ctx context.Context, cfg Config, logger *zap.Logger, ready chan<- string) error {
	srv, err := ecsemu.New(append(cfg.options(), ecsemu.WithLogger(logger))...)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	logger.Info("serving ECS OpenAPI 2014-05-26 and STS AssumeRole",
		zap.String("endpoint", srv.Endpoint()), zap.String("tls_endpoint", srv.TLSEndpoint()),
		zap.Float64("time_scale", cfg.TimeScale), zap.Int("access_keys", len(cfg.AccessKeys)), zap.Int("roles", len(cfg.Roles)))
	if ready != nil {
		ready <- srv.Endpoint()
	}
	<-ctx.Done()
	logger.Info("shutting down")
	srv.Close()
	return nil
}
