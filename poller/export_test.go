package poller

// Internals the external tests (package poller_test) need to state their expectations.
const (
	ProbeEvery      = probeEvery
	IntakeRecovered = intakeRecovered
	QuotaHeadroom   = quotaHeadroom
)

// LimitedRegions is how many regions the worker's two limiters remember.
func (w *Worker) LimitedRegions() int { return w.limits.size() + w.batchLimits.size() }
