package main

import (
	"golang.org/x/sync/errgroup"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller/natsjs"

	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// service is a wired worker: its NATS connection and, for each account it serves, the
// account's worker (its JetStream assets, ECS client and presence). It exists only once the
// JetStream assets of every account are ensured.
type service struct {
	link    *natsclient.Link
	nc      *nats.Conn
	workers []*accountWorker // the default account's first
}

// accountWorker is the worker of one account: a poller.Worker on the account's own subjects,
// streams and buckets (events.Subjects.ForAccount; the default account's are the prefix's own),
// calling ECS with the account's credential under its quotas.
type accountWorker struct {
	name     string // "" without an accounts file
	worker   *poller.Worker
	presence *natsjs.Presence
}

// label names w in errors and logs.
func (w *accountWorker) label() string {
	if w.name == "" {
		return "worker"
	}
	return "account " + w.name
}

// run runs every account's worker and presence in the fleet until ctx ends, and waits for
// them all.
func (s *service) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	for _, w := range s.workers {
		g.Go(func() error { return s.wrap(w, w.presence.Run(gctx)) })
		g.Go(func() error { return s.wrap(w, w.worker.Run(gctx)) })
	}
	return g.Wait()
}

func (s *service) wrap(w *accountWorker, err error) error {
	if err == nil || len(s.workers) == 1 {
		return err
	}
	return fmt.Errorf("%s: %w", w.label(), err)
}

// newService connects through link and ensures the JetStream assets of every account,
// retrying until they succeed or ctx ends (workers may start before NATS, and a fresh cluster
// may take a while to elect a leader; link warns of each cause meanwhile), and registers the
// workers' metrics with reg (labelled by account when there is an accounts file). Without
// withCredential the default account's calls are signed by the default Alibaba Cloud
// credential chain (or its credential of the accounts file).
func newService(ctx context.Context, cfg runConfig, link *natsclient.Link, reg prometheus.Registerer, log *zap.Logger, opts ...serviceOption) (*service, error) {
	o := serviceOptions{}
	for _, f := range opts {
		f(&o)
	}
	base, err := events.NewSubjects(cfg.SubjectPrefix)
	if err != nil {
		return nil, err
	}
	accounts := cfg.accounts()
	subjects, err := accountSubjects(base, accounts)
	if err != nil {
		return nil, err
	}
	nc, js, err := cfg.NATS.DialRetry(ctx, link, "taskpoller "+cfg.Poll.WorkerID)
	if err != nil {
		return nil, err
	}
	svc := &service{link: link, nc: nc}
	for i, acct := range accounts.Accounts {
		w, err := newAccountWorker(ctx, cfg, accountSetup{
			account: acct, first: i == 0, subjects: subjects, nc: nc, js: js, link: link, reg: reg, log: log, opts: o,
		})
		if err != nil {
			svc.close()
			return nil, err
		}
		svc.workers = append(svc.workers, w)
	}
	return svc, nil
}

// accountSubjects returns the subjects of each account of af by name: the prefix's own for
// the first (the default account), Subjects.ForAccount for the others.
func accountSubjects(base events.Subjects, af ecsapi.AccountsFile) (map[string]events.Subjects, error) {
	out := map[string]events.Subjects{}
	for i, a := range af.Accounts {
		if i == 0 {
			out[a.Name] = base
			continue
		}
		s, err := base.ForAccount(a.Name)
		if err != nil {
			return nil, fmt.Errorf("--accounts: %w", err)
		}
		out[a.Name] = s
	}
	return out, nil
}

// accountSetup is what newAccountWorker needs besides the run's configuration.
type accountSetup struct {
	account  ecsapi.Account
	first    bool                       // the default account: it takes registrations naming none, and forwards the others'
	subjects map[string]events.Subjects // of every account, by name
	nc       *nats.Conn
	js       jetstream.JetStream
	link     *natsclient.Link
	reg      prometheus.Registerer
	log      *zap.Logger
	opts     serviceOptions
}

// newAccountWorker ensures the JetStream assets of one account and wires its worker.
func newAccountWorker(ctx context.Context, cfg runConfig, a accountSetup) (*accountWorker, error) {
	name := a.account.Name
	subjects := a.subjects[name]
	log, reg := a.log, a.reg
	if name != "" {
		log = log.With(zap.String("account", name))
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"account": name}, reg)
	}
	setup := cfg.Setup
	assets, err := ensureAssets(ctx, a.js, subjects, setup, a.link, log)
	if err != nil {
		return nil, err
	}
	for _, k := range assets.Kept {
		log.Warn("a shared JetStream asset keeps a safer setting than this worker's flags", zap.String("setting", k))
	}
	var cred ecsapi.Credential
	if a.first {
		cred = a.opts.credential // the demo's emulator keys
	}
	if cred == nil && name != "" {
		if cred, err = ecsapi.NewAccountCredential(a.account); err != nil {
			return nil, fmt.Errorf("--accounts: %w", err)
		}
	}
	api, err := ecsapi.New(ecsapi.Config{Endpoint: cfg.ECSEndpoint, Credential: cred, Timeout: cfg.Poll.APITimeout})
	if err != nil {
		return nil, err
	}
	healer := natsjs.NewHealer(a.js, subjects, setup, assets, log)
	pub := natsjs.NewPublisher(a.js, subjects, natsjs.WithHealer(healer))
	w := &accountWorker{name: name, presence: natsjs.NewPresence(assets, cfg.Poll.WorkerID, log)}
	src := natsjs.NewSource(assets, pub, log, 0, natsjs.WithHealer(healer), natsjs.WithPresence(w.presence),
		natsjs.WithAccounts(routing(a)))
	w.worker, err = poller.NewWorker(cfg.pollFor(a.account), api, pub, natsjs.NewStateStore(assets.State, natsjs.WithHealer(healer)), src,
		poller.WithLogger(log), poller.WithMetrics(poller.NewMetrics(reg)), poller.WithFleet(w.presence), poller.WithTracerProvider(a.opts.tracer),
		poller.WithThrottles(natsjs.NewThrottles(a.nc, subjects, log)),
		poller.WithDiscovery(cfg.discoverFor(a.account, a.first), natsjs.NewDiscoveryStore(assets, natsjs.WithHealer(healer)), natsjs.NewRegistrar(a.js, subjects, natsjs.WithHealer(healer))))
	if err != nil {
		return nil, err
	}
	return w, nil
}

// routing is how the Source of a's account sorts registrations by account: the default
// account's forwards those of every other account of the file to its registrations stream, and
// those of an account another worker of the fleet serves (its stream exists: a newer accounts
// file, rolling out); another account's takes its own only.
func routing(a accountSetup) natsjs.Accounts {
	r := natsjs.Accounts{Self: a.account.Name}
	if !a.first {
		return r
	}
	for name := range a.subjects {
		if name != r.Self {
			r.Names = append(r.Names, name)
		}
	}
	slices.Sort(r.Names)
	js, known, base := a.js, a.subjects, a.subjects[r.Self]
	subjectsOf := func(name string) (events.Subjects, error) {
		if s, ok := known[name]; ok {
			return s, nil
		}
		return base.ForAccount(name)
	}
	r.Forward = func(ctx context.Context, reg events.Registration) error {
		s, err := subjectsOf(reg.Account)
		if err != nil {
			return err
		}
		_, err = natsclient.Register(ctx, js, s, reg)
		return err
	}
	r.Served = func(ctx context.Context, name string) (bool, error) {
		s, err := subjectsOf(name)
		if err != nil {
			return false, nil // no such subjects: nobody serves it
		}
		_, err = js.Stream(ctx, s.StreamName(events.RegistrationsRole))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, jetstream.ErrStreamNotFound):
			return false, nil
		}
		return false, err
	}
	return r
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

// healthy reports whether a worker is stuck (taking registrations has failed for too long).
func (s *service) healthy() error {
	var errs []error
	for _, w := range s.workers {
		errs = append(errs, s.wrap(w, w.worker.Healthy()))
	}
	return errors.Join(errs...)
}

// ready reports whether the workers can do their job: connected, consuming, and ECS accepting
// their calls (the assets are ensured before a service exists); one account's trouble makes
// the whole worker not ready, naming the account.
func (s *service) ready() error {
	if !s.nc.IsConnected() {
		if err := s.link.Err(); err != nil {
			return err
		}
		return fmt.Errorf("not connected to NATS at %s", s.link.URL())
	}
	var errs []error
	for _, w := range s.workers {
		errs = append(errs, s.wrap(w, w.worker.Ready()))
	}
	return errors.Join(errs...)
}

// detail is what /readyz says of the workers when ready.
func (s *service) detail() string {
	if len(s.workers) == 1 {
		return s.workers[0].worker.Detail()
	}
	parts := make([]string, len(s.workers))
	for i, w := range s.workers {
		parts[i] = w.label() + ": " + w.worker.Detail()
	}
	return strings.Join(parts, "; ")
}

// close sends what is buffered (the hand-back Naks, among others) and closes the connection.
func (s *service) close() {
	_ = s.nc.FlushTimeout(2 * time.Second)
	s.nc.Close()
}
