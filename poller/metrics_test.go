package poller_test

import (
	"errors"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

func TestReadyGaugeFollowsReady(t *testing.T) {
	var err error
	g := poller.NewReadyGauge(func() error { return err })
	for _, tt := range []struct {
		err  error
		want float64
	}{{nil, 1}, {errors.New("not consuming registrations"), 0}, {nil, 1}} {
		err = tt.err
		if got := testutil.ToFloat64(g); got != tt.want {
			t.Errorf("taskpoller_ready with ready() = %v: got %v, want %v", tt.err, got, tt.want)
		}
	}
}

// Every failure reason is exported from the start, so that increase() sees the first failure.
func TestFailedByReasonStartsAtZero(t *testing.T) {
	m := poller.NewMetrics(prometheus.NewRegistry())
	if got, want := testutil.CollectAndCount(m.Failed), len(events.Reasons); got != want {
		t.Errorf("%d series of taskpoller_tasks_failed_total, want %d (one per reason)", got, want)
	}
	for _, r := range events.Reasons {
		if got := testutil.ToFloat64(m.Failed.WithLabelValues(string(r))); got != 0 {
			t.Errorf("reason %s starts at %v, want 0", r, got)
		}
	}
}
