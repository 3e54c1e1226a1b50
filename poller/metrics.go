package poller

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taskpoller/taskpoller/events"
)

// Metrics are the worker's Prometheus metrics. Create them with NewMetrics; the zero value is
// not usable. Safe for concurrent use.
type Metrics struct {
	Tracked       prometheus.Gauge
	Polls         *prometheus.CounterVec // result, code
	APILatency    prometheus.Histogram
	Published     *prometheus.CounterVec // kind
	Failed        *prometheus.CounterVec // reason: failed events stored, by events.Reason
	TimeToOutcome *prometheus.HistogramVec
	Registrations *prometheus.CounterVec // outcome
	WorkerErrors  *prometheus.CounterVec // code
	RateDelay     prometheus.Histogram
	Fenced        prometheus.Counter // publishes refused because the task's events moved on
	Lost          prometheus.Counter // tasks given up because another worker took them over
	IntakeErrors  prometheus.Counter
	IntakeStalled prometheus.Gauge       // 1 while taking registrations has failed for too long
	IntakePaused  prometheus.Gauge       // 1 while intake is paused for worker-level ECS errors
	HandedBack    prometheus.Counter     // registrations handed back while running (worker-level errors)
	BatchCalls    *prometheus.CounterVec // DescribeTasks calls by result and code
	FleetSize     prometheus.Gauge       // workers sharing the ECS quota
	Unreachable   *prometheus.GaugeVec   // region: 1 while no call to the region is answered
	// ThrottleNotices counts the fleet's rate-cut notices by result: followed, ignored (a
	// region without tasks here, a cut no lower, or past the bound of followed cuts), invalid.
	ThrottleNotices *prometheus.CounterVec
	Discovery       DiscoveryMetrics // --discover-regions
}

// NewMetrics creates the metrics and registers them with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Tracked: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskpoller_tracked_tasks", Help: "Tasks this worker is tracking now.",
		}),
		Polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_polls_total",
			Help: "DescribeTaskAttribute calls by result (ok, transient, throttled, not_found, invalid_region, worker) and error code.",
		}, []string{"result", "code"}),
		APILatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "taskpoller_api_latency_seconds", Help: "Latency of DescribeTaskAttribute calls.",
			Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
		}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_events_published_total", Help: "Events published (stored by JetStream) by kind.",
		}, []string{"kind"}),
		Failed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_tasks_failed_total", Help: "Failed events published (stored by JetStream) by reason.",
		}, []string{"reason"}),
		TimeToOutcome: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "taskpoller_registration_to_terminal_seconds", Help: "Time from registration to the terminal event, by kind.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 18),
		}, []string{"kind"}),
		Registrations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_registrations_total",
			Help: "Registrations taken by outcome (tracked, resumed, taken_over, duplicate, already_done).",
		}, []string{"outcome"}),
		WorkerErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_worker_errors_total", Help: "Worker-level ECS errors (credentials, permissions, clock) by code.",
		}, []string{"code"}),
		RateDelay: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "taskpoller_rate_limit_delay_seconds", Help: "Time DescribeTaskAttribute calls waited in their region's queue for a rate-limit token.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 14),
		}),
		Fenced: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskpoller_events_fenced_total",
			Help: "Publishes the events stream refused because the task's latest event was not the expected one (another worker announced meanwhile).",
		}),
		Lost: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskpoller_tasks_lost_total", Help: "Tasks this worker stopped tracking because another worker holds them now, or may: their partition was lost or handed over.",
		}),
		IntakeErrors: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskpoller_intake_errors_total", Help: "Failures to take registrations from NATS.",
		}),
		IntakeStalled: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskpoller_intake_stalled", Help: "1 while taking registrations has failed for longer than the stall bound (/healthz fails).",
		}),
		IntakePaused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "taskpoller_intake_paused", Help: "1 while this worker takes no registrations because ECS refuses its calls.",
		}),
		HandedBack: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "taskpoller_handed_back_total", Help: "Registrations handed back to other workers because ECS refused this worker's calls.",
		}),
		BatchCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "taskpoller_batch_calls_total",
			Help: "DescribeTasks calls (status of up to 100 tasks) by result (ok, transient, throttled, worker, ...) and error code.",
		}, []string{"result", "code"}),
	}
	m.FleetSize = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "taskpoller_fleet_workers", Help: "Workers sharing the ECS quota; this worker takes 1/n of --api-qps.",
	})
	m.Unreachable = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "taskpoller_ecs_unreachable",
		Help: "1 while no ECS call to the region has been answered for --ecs-unreachable-after (connection errors, timeouts, 5xx); no series otherwise.",
	}, []string{"region"})
	m.ThrottleNotices = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "taskpoller_throttle_notices_total",
		Help: "Rate cuts other workers announced on the fleet subject, by result: followed, ignored (no tasks in the region here, no lower than the rate in force, or past the bound of followed cuts) or invalid (not a cut of a known API in a region id, with a factor in (0,1]).",
	}, []string{"result"})
	for _, r := range []string{"followed", "ignored", "invalid"} {
		m.ThrottleNotices.WithLabelValues(r)
	}
	// Every reason exists from the start, at 0, so that increase() sees a task's first failure.
	for _, r := range events.Reasons {
		m.Failed.WithLabelValues(string(r))
	}
	m.Discovery = newDiscoveryMetrics(reg)
	reg.MustRegister(m.ThrottleNotices, m.FleetSize, m.Unreachable, m.BatchCalls, m.Tracked, m.Polls, m.APILatency, m.Published, m.Failed, m.TimeToOutcome, m.Registrations, m.WorkerErrors, m.RateDelay,
		m.Fenced, m.Lost, m.IntakeErrors, m.IntakeStalled, m.IntakePaused, m.HandedBack)
	return m
}

// NewReadyGauge returns the gauge taskpoller_ready, read at each scrape: 1 when ready returns
// nil, else 0. Give it what /readyz answers, so that alerts see what the probe sees. Register
// it once per process; ready must be safe for concurrent use.
func NewReadyGauge(ready func() error) prometheus.GaugeFunc {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "taskpoller_ready", Help: "1 while /readyz answers 200: connected to NATS, taking registrations, ECS accepting calls.",
	}, func() float64 {
		if ready() != nil {
			return 0
		}
		return 1
	})
}
