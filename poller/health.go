package poller

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// health tracks worker-level problems: errors that say the worker, not a task, is at fault
// (bad credentials, missing permission, clock skew). Each distinct cause is logged once when it
// appears, at error level with what it blames (see causeMessage), and once when calls succeed
// again, however many tasks hit it. What it reports outside the log (problem, describe) is
// error codes and fixed text only, never messages: those may quote configuration. Safe for
// concurrent use.
type health struct {
	log *zap.Logger

	mu     sync.Mutex
	causes map[string]string // code → what it blames (see causeLabel)
	since  time.Time         // when the current run of problems began
	region string            // region of the latest worker-level error
}

func newHealth(log *zap.Logger) *health { return &health{log: log, causes: map[string]string{}} }

// report records a worker-level error of a call to region; it logs only the first of each code.
// What the error blames is WorkerFault(err) or, for an error that is no *APIError, that of
// code.
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
	fault, missing := WorkerFault(err), errors.Is(err, ErrNoCredentials)
	if fault == FaultNone {
		fault = faultOfCode(code, 0)
	}
	h.causes[code] = causeLabel(fault, missing)
	h.log.Error(causeMessage(fault, missing), zap.String("code", code), zap.Stringer("fault", fault),
		zap.String("region_id", region), zap.Error(err))
}

// causeLabel is what a cause blames, as /readyz says it.
func causeLabel(f Fault, missing bool) string {
	switch {
	case missing:
		return "no usable credentials"
	case f == FaultCredentials:
		return "credentials rejected"
	case f == FaultPermission:
		return "permission denied"
	case f == FaultClock:
		return "request time rejected"
	}
	return "refused"
}

// causeMessage is the log message of a new cause: it names what is at fault first.
func causeMessage(f Fault, missing bool) string {
	const then = "; tasks are kept and retried, readiness is off until calls succeed"
	switch {
	case missing:
		return "this worker has no usable Alibaba Cloud credentials, so no ECS call is sent (the credential chain failed)" + then
	case f == FaultCredentials:
		return "ECS refuses this worker's credentials (access key, secret or STS token)" + then
	case f == FaultPermission:
		return "ECS refuses this worker's calls: permission denied (RAM policy)" + then
	case f == FaultClock:
		return "ECS refuses this worker's request time: check the worker's clock" + then
	}
	return "ECS refuses this worker's calls" + then
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

// describe lists the current causes, each code with what it blames ("SignatureDoesNotMatch:
// credentials rejected"), or "" when there is none.
func (h *health) describe() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := h.codes()
	for i, code := range out {
		out[i] = code + ": " + h.causes[code]
	}
	return strings.Join(out, ", ")
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
