package poller

import (
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"

	"go.uber.org/zap"
)

// cut tells the fleet that this worker lowered api's rate in region to factor (0: it did not).
func (w *Worker) cut(api, region string, factor float64) {
	if factor <= 0 {
		return
	}
	w.log.Info("ECS throttles this region's calls; lowered the rate", zap.String("api", api),
		zap.String("region_id", region), zap.Float64("of_configured", factor))
	if w.fleet.throttles != nil {
		w.fleet.throttles.Announce(api, region, factor)
	}
}

// followCut applies a rate cut another worker of the fleet announced, once it is checked: the
// subject is open to whoever may publish on it, so a notice counts only when it names a known
// API, a well-formed region id this worker has tasks in (notices about other regions create
// nothing here), and a factor in (0,1]; the limiter bounds how long followed cuts hold (see
// regionLimits). Each notice is counted in ThrottleNotices by result; invalid ones are logged
// at Debug.
func (w *Worker) followCut(api, region string, factor float64) {
	var lim *regionLimits
	switch api {
	case APIDescribeTaskAttribute:
		lim = w.limits
	case APIDescribeTasks:
		lim = w.batchLimits
	}
	if lim == nil || !events.ValidRegion(region) || !(factor > 0 && factor <= 1) {
		w.metrics.ThrottleNotices.WithLabelValues("invalid").Inc()
		w.log.Debug("ignoring an invalid rate-cut notice", zap.String("api", clip(api)),
			zap.String("region_id", clip(region)), zap.Float64("of_configured", factor))
		return
	}
	if !w.tracksRegion(region) || !lim.follow(region, factor, time.Now()) {
		w.metrics.ThrottleNotices.WithLabelValues("ignored").Inc()
		return
	}
	w.metrics.ThrottleNotices.WithLabelValues("followed").Inc()
	w.log.Debug("following the fleet's rate cut", zap.String("api", api), zap.String("region_id", region), zap.Float64("of_configured", factor))
}

// clip shortens an untrusted string for a log line.
func clip(s string) string {
	if len(s) > 64 {
		return strings.ToValidUTF8(s[:64], "") + "..."
	}
	return s
}
