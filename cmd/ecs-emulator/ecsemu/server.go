package ecsemu

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
)

// Server is a running emulator. Create it with New and stop it with Close.
type Server struct {
	cfg    config
	log    *zap.Logger
	ln     net.Listener
	tlsLn  net.Listener // WithTLS; nil without
	srv    *http.Server
	mux    *http.ServeMux
	auth   *authenticator
	tasks  *store
	faults *faultInjector
	quota  *quotas
	stats  *recorder

	deniedMu sync.RWMutex
	denied   map[string]bool

	done      chan struct{} // closed by Close: cuts injected latency short
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// New starts an emulator listening on 127.0.0.1:0 (a free port) or the
// WithAddr address, and on the WithTLS address if given. It returns an error
// for an invalid option or when it cannot listen.
func New(opts ...Option) (*Server, error) {
	cfg, err := configure(opts)
	if err != nil {
		return nil, err
	}
	s := newServer(cfg)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("ecsemu: listen on %s: %w", cfg.addr, err)
	}
	tlsLn, err := listenTLS(cfg)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	s.ln, s.tlsLn = ln, tlsLn
	s.srv = &http.Server{
		Handler:           s.mux,
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(s.log),
	}
	for _, l := range []net.Listener{ln, tlsLn} {
		if l == nil {
			continue
		}
		s.wg.Go(func() {
			if err := s.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.log.Error("serve", zap.Error(err))
			}
		})
	}
	s.log.Info("ECS emulator listening", zap.String("addr", ln.Addr().String()), zap.String("tls_addr", s.TLSEndpoint()))
	return s, nil
}

func newServer(cfg config) *Server {
	s := &Server{
		cfg:    cfg,
		log:    cfg.logger.Named("ecsemu"),
		auth:   newAuthenticator(cfg.creds, cfg.maxSkew, cfg.nonceCapacity),
		tasks:  newStore(),
		faults: &faultInjector{},
		quota:  newQuotas(cfg.quotas, cfg.quotaWindow),
		stats:  newRecorder(cfg.callHistory),
		denied: map[string]bool{},
		done:   make(chan struct{}),
		mux:    http.NewServeMux(),
	}
	s.faults.set(cfg.faults)
	for k := range cfg.denied {
		s.denied[k] = true
	}
	s.routeControl()
	s.mux.HandleFunc("/", s.serveAPI)
	return s
}

// Endpoint returns "127.0.0.1:PORT", the value for the SDK's Config.Endpoint.
func (s *Server) Endpoint() string { return loopbackEndpoint(s.ln.Addr().String()) }

// loopbackEndpoint returns addr with an unspecified host replaced by 127.0.0.1.
func loopbackEndpoint(addr string) string {
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "::" || host == "0.0.0.0" || host == "") {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return addr
}

// URL returns "http://" + Endpoint().
func (s *Server) URL() string { return "http://" + s.Endpoint() }

// Handler returns the HTTP handler of the emulator (API and /_emulator/).
func (s *Server) Handler() http.Handler { return s.mux }

// Close stops serving, closes every connection and waits for the server
// goroutines and all handlers. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.srv.Shutdown(ctx); err != nil {
			_ = s.srv.Close()
		}
		s.wg.Wait()
	})
}

// SetFaults replaces the injected faults at run time. Rates are clamped to
// 0..1 and scaled down proportionally when they add up to more than 1; a
// negative latency counts as none.
func (s *Server) SetFaults(f Faults) { s.faults.set(f.normalized()) }

// CurrentFaults returns the injected faults.
func (s *Server) CurrentFaults() Faults { return s.faults.get() }

// SetQuota sets the per-region quota of action at run time; qps <= 0
// removes it.
func (s *Server) SetQuota(action string, qps float64) { s.quota.set(action, qps) }

// Deny makes every request signed by accessKeyID answer 403 Forbidden.RAM.
func (s *Server) Deny(accessKeyID string) {
	s.deniedMu.Lock()
	defer s.deniedMu.Unlock()
	s.denied[accessKeyID] = true
}

// Allow undoes Deny.
func (s *Server) Allow(accessKeyID string) {
	s.deniedMu.Lock()
	defer s.deniedMu.Unlock()
	delete(s.denied, accessKeyID)
}

func (s *Server) isDenied(accessKeyID string) bool {
	s.deniedMu.RLock()
	defer s.deniedMu.RUnlock()
	return s.denied[accessKeyID]
}

// AddImage registers an image so that an export of it yields 1+dataDisks
// OSSObject files.
func (s *Server) AddImage(regionID, imageID string, dataDisks int) {
	s.tasks.addImage(regionID, imageID, dataDisks)
}

// Calls returns the DescribeTaskAttribute calls for taskID, oldest first
// (the most recent WithCallHistory of them).
func (s *Server) Calls(taskID string) []Call { return s.stats.calls(taskID) }

// CallCount returns how many requests named action were answered.
func (s *Server) CallCount(action string) int { return s.stats.actionCount(action) }

// CodeCount returns how many answers had code ("OK" for success).
func (s *Server) CodeCount(code string) int { return s.stats.codeCount(code) }

// TaskCallCount returns how many DescribeTaskAttribute calls named taskID.
func (s *Server) TaskCallCount(taskID string) int { return s.stats.taskCount(taskID) }

// Listings returns how many DescribeTasks listing calls (naming no TaskIds, any answer,
// throttled ones included) the emulator answered in region: discovery's listings, not batch
// checks.
func (s *Server) Listings(region string) int { return s.stats.listingCount(region) }

// Stats returns a snapshot of all counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// ResetStats clears all counters and call histories.
func (s *Server) ResetStats() { s.stats.reset() }

func hostID(region string) string {
	switch {
	case region == "":
		return "ecs.aliyuncs.com"
	case region == "cn-hangzhou":
		return "ecs-cn-hangzhou.aliyuncs.com"
	case !knownRegion(region):
		return "ecs.aliyuncs.com"
	}
	return "ecs." + region + ".aliyuncs.com"
}
