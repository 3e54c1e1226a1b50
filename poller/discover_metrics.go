package poller

import "github.com/prometheus/client_golang/prometheus"

// DiscoveryMetrics are the metrics of discovery (Metrics.Discovery), each by region. The
// gauges have a series on the worker holding the region's lease (Leases: on every worker
// configured to list the region).
type DiscoveryMetrics struct {
	Discovered *prometheus.CounterVec // registrations published that the stream did not hold yet
	Lag        *prometheus.GaugeVec   // seconds from the cursor (how far the listing is complete) to now, on the holder
	Errors     *prometheus.CounterVec // listings that failed (a call, a registration, the cursor, an inconsistent listing), and lease store failures
	Leases     *prometheus.GaugeVec   // 1 while this worker holds the region's discovery lease, else 0
	Gaps       *prometheus.CounterVec // listings that resumed past the lookback: tasks may have been missed
	Calls      *prometheus.CounterVec // DescribeTasks calls made to list the region
}

func newDiscoveryMetrics(reg prometheus.Registerer) DiscoveryMetrics {
	region := []string{"region"}
	m := DiscoveryMetrics{
		Discovered: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_discovered_total",
			Help: "Tasks discovery registered that the registrations stream did not hold yet (listed with DescribeTasks; --discover-regions).",
		}, region),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "taskpoller_discovery_lag_seconds",
			Help: "Seconds from the region's discovery cursor (every task created before it, less two minutes, is registered) to now, or from when the lease was taken while the holder knows no cursor; only on the worker holding the region's lease.",
		}, region),
		Errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_discovery_errors_total",
			Help: "Listings of the region that failed (a DescribeTasks call, a registration, the cursor, a listing whose TotalCount kept changing; the cursor stays where it was), and calls to its discovery lease that failed.",
		}, region),
		Leases: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "taskpoller_discovery_leases",
			Help: "1 while this worker holds the region's discovery lease (it lists the region), else 0.",
		}, region),
		Gaps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_discovery_gaps_total",
			Help: "Listings that resumed from --discover-lookback because the cursor was older: tasks created in between were never listed.",
		}, region),
		Calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_discovery_calls_total",
			Help: "DescribeTasks calls made to list the region's tasks (one per 100 tasks listed, at least one per interval and action filter).",
		}, region),
	}
	reg.MustRegister(m.Discovered, m.Lag, m.Errors, m.Leases, m.Gaps, m.Calls)
	return m
}
