package main

import (
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// service is a wired worker: its NATS connection, JetStream assets and ECS client. It exists
// only once the JetStream assets are ensured.
type service struct {
	link     *natsclient.Link
	nc       *nats.Conn
	worker   *poller.Worker
	presence *natsjs.Presence
}

// run runs the worker and its presence in the fleet until ctx ends, and waits for both.
func (s *service) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.presence.Run(gctx) })
	g.Go(func() error { return s.worker.Run(gctx) })
	return g.Wait()
}

// newService connects through link and ensures the JetStream assets, retrying both until
// they succeed or ctx ends (workers may start before NATS, and a fresh cluster may take a while
// to elect a leader; link warns of each cause meanwhile), and registers the worker's metrics
// with reg. Without withCredential the default Alibaba Cloud credential chain signs ECS
// calls.
func newService(ctx context.Context, cfg runConfig, link *natsclient.Link, reg prometheus.Registerer, log *zap.Logger, opts ...serviceOption) (*service, error) {
	o := serviceOptions{}
	for _, f := range opts {
		f(&o)
	}
	subjects, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return nil, err
	}
	nc, js, err := cfg.NATS.DialRetry(ctx, link, "taskpoller "+cfg.Poll.WorkerID)
	if err != nil {
		return nil, err
	}
	svc := &service{link: link, nc: nc}
	setup := cfg.Setup
	assets, err := ensureAssets(ctx, js, subjects, setup, link, log)
	if err != nil {
		svc.close()
		return nil, err
	}
	for _, k := range assets.Kept {
		log.Warn("a shared JetStream asset keeps a safer setting than this worker's flags", zap.String("setting", k))
	}
	// The source renews its partition leases at the pace of the lease TTL in force: another
	// worker may have set a longer one, which Setup never shortens.
	poll := cfg.poll()
	healer := natsjs.NewHealer(js, subjects, setup, assets, log)
	api, err := ecsapi.New(ecsapi.Config{Endpoint: cfg.ECSEndpoint, Credential: o.credential, Timeout: cfg.Poll.APITimeout})
	if err != nil {
		svc.close()
		return nil, err
	}
	metrics := poller.NewMetrics(reg)
	pub := natsjs.NewPublisher(js, subjects, natsjs.WithHealer(healer))
	svc.presence = natsjs.NewPresence(assets, cfg.Poll.WorkerID, log)
	src := natsjs.NewSource(assets, pub, log, 0, natsjs.WithHealer(healer), natsjs.WithPresence(svc.presence))
	svc.worker, err = poller.NewWorker(poll, api, pub, natsjs.NewStateStore(assets.State, natsjs.WithHealer(healer)), src,
		poller.WithLogger(log), poller.WithMetrics(metrics), poller.WithFleet(svc.presence), poller.WithTracerProvider(o.tracer),
		poller.WithThrottles(natsjs.NewThrottles(nc, subjects, log)),
		poller.WithDiscovery(cfg.Discover.config(), natsjs.NewDiscoveryStore(assets, natsjs.WithHealer(healer)), natsjs.NewRegistrar(js, subjects, natsjs.WithHealer(healer))))
	if err != nil {
		svc.close()
		return nil, err
	}
	return svc, nil
}

type serviceOptions struct {
	credential ecsapi.Credential
	tracer     trace.TracerProvider // nil: the worker makes no span
}

type serviceOption func(*serviceOptions)

// withCredential signs ECS calls with a fixed credential (the demo's emulator keys).
func withCredential(c ecsapi.Credential) serviceOption {
	return func(o *serviceOptions) { o.credential = c }
}

// withTracerProvider has the worker trace its ECS calls and publishes with tp (tracing.go).
func withTracerProvider(tp trace.TracerProvider) serviceOption {
	return func(o *serviceOptions) { o.tracer = tp }
}

// ensureAssets runs natsjs.Setup until it succeeds or ctx ends. While NATS is out of reach,
// what it logs is link's cause, not the request's (which would only say that nothing can be
// sent while disconnected).
func ensureAssets(ctx context.Context, js jetstream.JetStream, s events.Subjects, cfg natsjs.SetupConfig, link *natsclient.Link, log *zap.Logger) (natsjs.Assets, error) {
	wait := 500 * time.Millisecond
	timer := time.NewTimer(wait)
	timer.Stop()
	defer timer.Stop()
	for {
		a, err := natsjs.Setup(ctx, js, s, cfg)
		if err == nil {
			return a, nil
		}
		if lerr := link.Err(); lerr != nil {
			err = lerr
		}
		if ctx.Err() != nil {
			return natsjs.Assets{}, fmt.Errorf("set up JetStream: %w", errors.Join(err, ctx.Err()))
		}
		log.Warn("cannot set up JetStream streams yet; retrying", zap.Error(err), zap.Duration("in", wait))
		timer.Reset(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return natsjs.Assets{}, fmt.Errorf("set up JetStream: %w", errors.Join(err, ctx.Err()))
		}
		wait = min(2*wait, 10*time.Second)
	}
}

// healthy reports whether the worker is stuck (taking registrations has failed for too long).
func (s *service) healthy() error { return s.worker.Healthy() }

// ready reports whether the worker can do its job: connected, consuming, and ECS accepting
// its calls (the assets are ensured before a service exists).
func (s *service) ready() error {
	if !s.nc.IsConnected() {
		if err := s.link.Err(); err != nil {
			return err
		}
		return fmt.Errorf("not connected to NATS at %s", s.link.URL())
	}
	return s.worker.Ready()
}

// close sends what is buffered (the hand-back Naks, among others) and closes the connection.
func (s *service) close() {
	_ = s.nc.FlushTimeout(2 * time.Second)
	s.nc.Close()
}
