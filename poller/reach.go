package poller

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
)

// minUnreachableFailures is the fewest failed calls that make a region unreachable, however
// long ago the first one was: one timeout followed by a task's long backoff is a blip, not an
// outage.
const minUnreachableFailures = 3

// unreachableRemindEvery is how often the log repeats that a region is still unreachable.
const unreachableRemindEvery = time.Minute

// reach tracks, per region, whether ECS answers this worker's calls at all. Every call the
// worker makes — DescribeTaskAttribute, DescribeTasks, probes — is reported (see reachAPI): a
// call that gets no answer of the service (connection refused or reset, a timeout, a 5xx
// answer, a body that is not JSON; see reachOf) is a failure, and any answer of the service,
// error answers included (throttling, not found, refused credentials), ends the region's run
// of failures. A region is unreachable once its run has lasted `after` (Config.UnreachableAfter),
// counted from when the first failed call was sent (or from the region's latest answer, if
// that came later: a call can time out after a later one was answered), and holds at least
// minUnreachableFailures calls: then one warning is logged, repeated every
// unreachableRemindEvery while it lasts, and one info line when a call is answered again,
// with how long it lasted. While any region is unreachable the worker is not ready (describe).
//
// An unreachable region changes nothing else: tasks are kept and retried at their backoff,
// none is timed out for it before its deadline (one past it, at its last chance: see
// lastChance), and the worker does not hand its tasks back (see guard). What it
// reports outside the log (describe, the gauge) is the region, the endpoint and the kind of
// failure, never an error's text. Safe for concurrent use; every method takes the time.
type reach struct {
	log      *zap.Logger
	after    time.Duration
	gauge    *prometheus.GaugeVec       // region: 1 while unreachable
	endpoint func(region string) string // where calls to a region go; nil: not known

	mu         sync.Mutex
	regions    map[string]*outage   // regions whose latest calls failed
	lastAnswer map[string]time.Time // when each region last answered (regions with tasks)
}

// outage is a region's run of failed calls since its last answered one.
type outage struct {
	since    time.Time // when the first failed call of the run was sent, or the latest answer if later
	failures int
	failure  string // how the latest call failed: ConnectionError, Timeout, HTTP 503...
	host     string // where calls go, if known
	sample   string // the latest failure, without URL or query
	down     bool   // declared unreachable
	told     time.Time
}

func newReach(log *zap.Logger, after time.Duration, gauge *prometheus.GaugeVec, endpoint func(string) string) *reach {
	return &reach{log: log, after: after, gauge: gauge, endpoint: endpoint, regions: map[string]*outage{}, lastAnswer: map[string]time.Time{}}
}

// failed records a call to region, sent at sent, that got no answer at now. host is where it
// went ("" if not known) and sample describes the error (see describeFailure).
func (r *reach) failed(region, failure, host, sample string, sent, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.regions[region]
	if o == nil {
		// A call sent before the latest answer (a timeout while a later call was answered):
		// the region has not been silent since it was sent, only since the answer.
		o = &outage{since: sent}
		if a := r.lastAnswer[region]; a.After(sent) {
			o.since = a
		}
		r.regions[region] = o
	}
	o.failures++
	o.failure, o.sample = failure, sample
	if host != "" {
		o.host = host
	}
	r.check(region, o, now)
}

// answered records a call to region that ECS answered: the region's run of failures ends.
func (r *reach) answered(region string, now time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.After(r.lastAnswer[region]) {
		r.lastAnswer[region] = now
	}
	o := r.regions[region]
	if o == nil {
		return
	}
	delete(r.regions, region)
	if o.down {
		r.gauge.DeleteLabelValues(region)
		r.log.Info("ECS answers again; the region is reachable", zap.String("region_id", region),
			zap.String("endpoint", o.host), zap.Duration("lasted", now.Sub(o.since).Round(time.Millisecond)), zap.Int("failed_calls", o.failures))
	}
}

// tick declares the runs that have lasted long enough, repeats the warning of those that
// last, and forgets the regions keep says no longer matter (no task of theirs is tracked:
// nothing will call them, so nothing could end their run).
func (r *reach) tick(now time.Time, keep func(region string) bool) {
	r.mu.Lock()
	regions := make([]string, 0, len(r.lastAnswer)+len(r.regions))
	for region := range r.lastAnswer {
		regions = append(regions, region)
	}
	for region := range r.regions {
		if _, ok := r.lastAnswer[region]; !ok {
			regions = append(regions, region)
		}
	}
	r.mu.Unlock()
	drop := map[string]bool{}
	for _, region := range regions {
		if !keep(region) {
			drop[region] = true
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for region := range drop {
		delete(r.lastAnswer, region)
	}
	for region, o := range r.regions {
		switch {
		case drop[region]:
			delete(r.regions, region)
			if o.down {
				r.gauge.DeleteLabelValues(region)
				r.log.Info("no task of the unreachable region is tracked any more; no longer watching it",
					zap.String("region_id", region), zap.Duration("lasted", now.Sub(o.since).Round(time.Millisecond)))
			}
		case !r.check(region, o, now) && o.down && now.Sub(o.told) >= unreachableRemindEvery:
			o.told = now
			r.log.Warn("ECS is still unreachable; tasks are kept and retried, readiness is off until a call is answered",
				r.fields(region, o, now)...)
		}
	}
}

// check declares o unreachable if its run is long enough; it reports whether it did now.
// Called with mu held.
func (r *reach) check(region string, o *outage, now time.Time) bool {
	if o.down || o.failures < minUnreachableFailures || now.Sub(o.since) < r.after {
		return false
	}
	o.down, o.told = true, now
	if o.host == "" && r.endpoint != nil {
		o.host = r.endpoint(region)
	}
	r.gauge.WithLabelValues(region).Set(1)
	r.log.Warn("ECS is unreachable: no call to the region has been answered; tasks are kept and retried, readiness is off until a call is answered",
		r.fields(region, o, now)...)
	return true
}

func (r *reach) fields(region string, o *outage, now time.Time) []zap.Field {
	return []zap.Field{
		zap.String("region_id", region), zap.String("endpoint", o.host), zap.String("failure", o.failure),
		zap.String("error", o.sample), zap.Int("failed_calls", o.failures), zap.Duration("for", now.Sub(o.since).Round(time.Millisecond)),
	}
}

// describe says which regions are unreachable, or "" when none is: region, endpoint, the
// kind of the latest failure and since how long, sorted by region.
func (r *reach) describe(now time.Time) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for region, o := range r.regions {
		if !o.down {
			continue
		}
		at := ""
		if o.host != "" {
			at = " at " + o.host
		}
		out = append(out, fmt.Sprintf("%s%s: %s for %s, %d calls", region, at, o.failure, now.Sub(o.since).Round(time.Second), o.failures))
	}
	sort.Strings(out)
	return strings.Join(out, "; ")
}
