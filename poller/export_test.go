package poller

// Internals the external tests (package poller_test) need to state their expectations.
const (
	ProbeEvery      = probeEvery
	IntakeRecovered = intakeRecovered
	QuotaHeadroom   = quotaHeadroom
)
