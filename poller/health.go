package poller

import (
	"sort"
	"strings"
	"sync"

	"go.uber.org/zap"
)

// health tracks worker-level problems: errors that say the worker, not a task, is at fault
// (bad credentials, missing permission, clock skew). Each distinct cause is logged once when it
// appears and once when calls succeed again, however many tasks hit it. Safe for concurrent use.
type health struct {
	log *zap.Logger

	mu     sync.Mutex
	causes map[string]string // code -> first message
}

func newHealth(log *zap.Logger) *health { return &health{log: log, causes: map[string]string{}} }

// report records a worker-level error; it logs only the first of each code.
func (h *health) report(code string, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.causes[code]; ok {
		return
	}
	h.causes[code] = err.Error()
	h.log.Error("ECS refuses this worker's calls; tasks are kept and retried, readiness is off until calls succeed",
		zap.String("code", code), zap.Error(err))
}

// ok records a successful call: every cause is cleared.
func (h *health) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.causes) == 0 {
		return
	}
	h.log.Info("ECS calls succeed again", zap.Strings("cleared", keys(h.causes)))
	clear(h.causes)
}

// problem describes the current causes, or "" when there is none.
func (h *health) problem() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.causes) == 0 {
		return ""
	}
	parts := make([]string, 0, len(h.causes))
	for _, k := range keys(h.causes) {
		parts = append(parts, k+": "+h.causes[k])
	}
	return strings.Join(parts, "; ")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
