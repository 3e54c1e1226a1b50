//go:build compose

package composetest

import (
	"bufio"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// Discovery in the test stack: every worker is configured to list discoverRegion (the
// producer's region), one at a time under a lease; the producer leaves a share of its tasks
// unregistered. The test kills the worker that holds the lease while tasks are produced, so
// that another must take the listing over from the cursor the killed one left.

const discoverRegion = "cn-hangzhou"

// workers are the worker services of the stack.
var workers = []string{"worker1", "worker2", "worker3"}

// discoveryHolder returns the worker whose /metrics says it holds region's discovery lease
// (taskpoller_discovery_leases{region} 1), skipping except; an error if none does (yet).
func discoveryHolder(ctx context.Context, region, except string) (string, error) {
	var errs []string
	for _, svc := range workers {
		if svc == except {
			continue
		}
		v, err := leaseGauge(ctx, svc, region)
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		if v == 1 {
			return svc, nil
		}
	}
	return "", fmt.Errorf("no worker holds the discovery lease of %s %v", region, errs)
}

// leaseGauge reads taskpoller_discovery_leases{region="<region>"} from a worker's /metrics.
func leaseGauge(ctx context.Context, svc, region string) (int, error) {
	var n int
	err := readMetrics(ctx, svc, func(sc *bufio.Scanner) (err error) {
		n, err = gauge(sc, `taskpoller_discovery_leases{region="`+region+`"}`)
		return err
	})
	return n, err
}

// waitTakeover waits until a worker other than killed holds region's lease and logs how long
// the region went without a holder (as /metrics shows it: an upper bound).
func waitTakeover(ctx context.Context, t *testing.T, region, killed string, at time.Time) {
	t.Helper()
	var holder string
	WaitFor(ctx, t, "another worker takes over the discovery of "+region, 2*time.Minute, func(ctx context.Context) error {
		h, err := discoveryHolder(ctx, region, killed)
		holder = h
		return err
	})
	t.Logf("%s took over the discovery of %s %v after %s was killed (lease TTL: a fifth of the ack wait, %v)",
		holder, region, time.Since(at).Round(100*time.Millisecond), killed, ackWait/5)
}

// checkOrigins asserts that every task the producer left unregistered ended with origin
// discovered, and that there were some; a registered task may say discovered only if
// discovery listed it before the producer's registration arrived (logged).
func checkOrigins(t *testing.T, tasks map[string]ProducedTask, r *eventReader) {
	t.Helper()
	unregistered, raced := 0, 0
	for id, p := range tasks {
		got := r.byTask[id]
		if len(got) != 1 {
			continue // checkTerminals says so
		}
		origin := got[0].Event.Data.Origin
		switch {
		case !p.Registered:
			unregistered++
			if origin != events.OriginDiscovered {
				t.Errorf("task %s (n=%s) was never registered, but its terminal event says origin %q, want discovered", id, p.N, origin)
			}
		case origin == events.OriginDiscovered:
			raced++
		case origin != events.OriginRegistered:
			t.Errorf("task %s (n=%s): origin %q, want registered", id, p.N, origin)
		}
	}
	if unregistered == 0 {
		t.Errorf("the producer left no task unregistered: discovery was not tested")
	}
	t.Logf("%d tasks never registered, all discovered; %d registered tasks were discovered first", unregistered, raced)
}
