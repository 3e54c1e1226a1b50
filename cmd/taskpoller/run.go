package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"
)

// run is `taskpoller run`: a worker until ctx ends.
func run(ctx context.Context, cfg runConfig, _, logOut io.Writer) error {
	log := cfg.Log.build(logOut)
	defer func() { _ = log.Sync() }()
	traces, err := tracingFrom(os.LookupEnv)
	if err != nil {
		return err
	}
	tp, stopTracing, err := newTracerProvider(ctx, traces, cfg.Poll.WorkerID)
	if err != nil {
		return err
	}
	defer func() {
		// What is left of the spans is flushed, within a bound: the exporter may be gone.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tracingFlushTimeout)
		defer cancel()
		if err := stopTracing(sctx); err != nil {
			log.Warn("cannot flush the last spans", zap.Error(err))
		}
	}()
	log.Info("tracing", zap.Bool("export", traces.on), zap.String("traces", traces.reason))
	url := cfg.NATS.URL
	if url == "" {
		srv, err := startEmbedded(cfg.NATSListen, filepath.Join(cfg.DataDir, "jetstream"))
		if err != nil {
			return fmt.Errorf("--nats-listen: %w", err)
		}
		defer func() { srv.Shutdown(); srv.WaitForShutdown() }()
		url = srv.ClientURL()
		log.Info("embedded NATS server started", zap.String("url", url), zap.String("store", cfg.DataDir))
	}
	return runWorker(ctx, cfg, url, nil, log, withTracerProvider(tp))
}

// tracingFlushTimeout bounds how long `taskpoller run` waits at exit for its last spans to be
// exported.
const tracingFlushTimeout = 5 * time.Second

func startEmbedded(listen, storeDir string) (*server.Server, error) {
	host, p, _ := net.SplitHostPort(listen)
	port, _ := strconv.Atoi(p)
	return natsjs.StartServer(natsjs.ServerConfig{Host: host, Port: port, StoreDir: storeDir})
}

// runWorker serves the HTTP endpoints at once (/healthz answers while the worker still waits
// for NATS), connects to url and runs a worker until ctx ends. ready, if not nil, is closed once
// the worker is set up.
func runWorker(ctx context.Context, cfg runConfig, url string, ready chan<- struct{}, log *zap.Logger, opts ...serviceOption) error {
	link := natsclient.NewLink(url, log)
	p := newProbes(link)
	g, gctx := errgroup.WithContext(ctx)
	if cfg.HTTPAddr != "" {
		g.Go(func() error { return serveHTTP(gctx, cfg.HTTPAddr, "/metrics, /healthz, /readyz", handler(p), log) })
	}
	if cfg.PProfAddr != "" {
		g.Go(func() error {
			return serveHTTP(gctx, cfg.PProfAddr, "Go's profiles under /debug/pprof/", pprofHandler(), log)
		})
	}
	g.Go(func() error {
		svc, err := newService(gctx, cfg, link, p.registry, log, opts...)
		if err != nil {
			if gctx.Err() != nil {
				return nil // stopped while still starting
			}
			return err
		}
		defer svc.close()
		p.started(svc)
		if ready != nil {
			close(ready)
		}
		log.Info("worker running", zap.String("worker_id", cfg.Poll.WorkerID), zap.String("subject_prefix", cfg.SubjectPrefix),
			zap.String("ecs_endpoint", endpointName(cfg.ECSEndpoint)))
		return svc.run(gctx)
	})
	err := g.Wait()
	log.Info("worker stopped")
	return err
}

func endpointName(e string) string {
	if e == "" {
		return "official regional endpoints"
	}
	return e
}
