package poller

import (
	"time"

	"go.uber.org/zap"
)

// cut tells the fleet that this worker lowered api's rate in region to factor (0: it did not).
func (w *Worker) cut(api, region string, factor float64) {
	if factor <= 0 {
		return
	}
	w.log.Info("ECS throttles this region's calls; lowered the rate", zap.String("api", api),
		zap.String("region_id", region), zap.Float64("of_configured", factor))
	if w.throttles != nil {
		w.throttles.Announce(api, region, factor)
	}
}

// followCut applies a rate cut another worker of the fleet announced.
func (w *Worker) followCut(api, region string, factor float64) {
	now := time.Now()
	switch api {
	case APIDescribeTaskAttribute:
		w.limits.follow(region, factor, now)
	case APIDescribeTasks:
		w.batchLimits.follow(region, factor, now)
	default:
		return
	}
	w.log.Debug("following the fleet's rate cut", zap.String("api", api), zap.String("region_id", region), zap.Float64("of_configured", factor))
}
