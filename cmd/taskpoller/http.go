package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	httppprof "net/http/pprof"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events/natsclient"
	"github.com/taskpoller/taskpoller/poller"
)

// probes are what the HTTP endpoints report: the metrics registry, and the service once it
// has started. Safe for concurrent use.
type probes struct {
	registry *prometheus.Registry
	link     *natsclient.Link // the worker's connection to NATS, while it is starting
	svc      atomic.Pointer[service]
}

func newProbes(link *natsclient.Link) *probes {
	p := &probes{registry: prometheus.NewRegistry(), link: link}
	p.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		poller.NewReadyGauge(p.ready))
	return p
}

func (p *probes) started(svc *service) { p.svc.Store(svc) }

func (p *probes) healthy() error {
	if svc := p.svc.Load(); svc != nil {
		return svc.healthy()
	}
	return nil
}

// detail says how the worker works when it differs from the normal, or "".
func (p *probes) detail() string {
	if svc := p.svc.Load(); svc != nil {
		return svc.detail()
	}
	return ""
}

func (p *probes) ready() error {
	svc := p.svc.Load()
	if svc == nil {
		if p.link != nil {
			if err := p.link.Err(); err != nil {
				return fmt.Errorf("starting: %w", err)
			}
		}
		return errors.New("starting: ensuring the JetStream streams")
	}
	return svc.ready()
}

// serveHTTP serves h on addr until ctx ends; what names the endpoints in the log.
func serveHTTP(ctx context.Context, addr, what string, h http.Handler, log *zap.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http listener: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Info("serving "+what, zap.String("addr", ln.Addr().String()))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// handler serves /metrics, /healthz and /readyz. Go's profiles are not among them: they are
// served on their own loopback address (pprofHandler).
func handler(p *probes) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(p.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		if err := p.healthy(); err != nil {
			http.Error(w, "unhealthy: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := p.ready(); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
		if d := p.detail(); d != "" {
			fmt.Fprintln(w, d)
		}
	})
	return mux
}

// pprofHandler serves Go's profiles (net/http/pprof) under /debug/pprof/, for --pprof-addr
// only, but not /debug/pprof/cmdline: the command line holds secrets such as the password of
// --nats-url.
func pprofHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/", httppprof.Index)
	mux.HandleFunc("GET /debug/pprof/cmdline", func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not served: the command line may hold secrets", http.StatusNotFound)
	})
	mux.HandleFunc("GET /debug/pprof/profile", httppprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", httppprof.Symbol)
	mux.HandleFunc("GET /debug/pprof/trace", httppprof.Trace)
	return mux
}

// loopbackAddr checks that addr (host:port) listens on a loopback address only: 127.0.0.1,
// ::1 or localhost, not every interface.
func loopbackAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q: %w", port, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("host %q is not a loopback address (127.0.0.1, [::1] or localhost): the profiles show the process's internals", host)
	}
	return nil
}
