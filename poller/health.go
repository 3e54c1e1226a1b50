package poller

import (
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// health tracks worker-level problems: errors that say the worker, not a task, is at fault
// (bad credentials, missing permission, clock skew). Each distinct cause is logged once when it
// appears and once when calls succeed again, however many tasks hit it. What it reports
// outside the log (problem) is error codes only, never messages: those may quote
// configuration. Safe for concurrent use.
type health struct {
	log *zap.Logger

	mu     sync.Mutex
	causes map[string]struct{} // codes
	since  time.Time           // when the current run of problems began
	region string              // region of the latest worker-level error
}

func newHealth(log *zap.Logger) *health { return &health{log: log, causes: map[string]struct{}{}} }

// report records a worker-level error of a call to region; it logs only the first of each code.
func (h *health) report(code, region string, err error, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.region = region
	if len(h.causes) == 0 {
		h.since = now
	}
	if _, ok := h.causes[code]; ok {
		return
	}
	h.causes[code] = struct{}{}
	h.log.Error("ECS refuses this worker's calls; tasks are kept and retried, readiness is off until calls succeed",
		zap.String("code", code), zap.String("region_id", region), zap.Error(err))
}

// ok records a successful call (or any answer that does not blame the worker): every cause is
// cleared.
func (h *health) ok() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.causes) == 0 {
		return
	}
	h.log.Info("ECS calls succeed again", zap.Strings("cleared", h.codes()))
	clear(h.causes)
	h.since = time.Time{}
}

// problem lists the current causes' codes, or "" when there is none.
func (h *health) problem() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return strings.Join(h.codes(), ", ")
}

// failing returns since when calls have been refused and the latest refused region; ok is
// false when nothing is refused.
func (h *health) failing() (since time.Time, region string, ok bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.since, h.region, len(h.causes) > 0
}

func (h *health) codes() []string {
	out := make([]string, 0, len(h.causes))
	for k := range h.causes {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
