package poller

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// DiscoverConfig turns discovery on: every task created in Regions becomes a registration,
// whether a producer registers it or not (see Worker.discover). It is given with the ports
// discovery needs (WithDiscovery), apart from Config, which stays comparable. Zero fields get
// the defaults documented on each field; no Regions: discovery is off.
type DiscoverConfig struct {
	// Regions are the regions whose tasks are listed (DescribeTasks by creation time). One
	// worker of the fleet at a time lists each (a lease in the DiscoveryStore).
	Regions []string
	// Actions are the TaskAction filters (KnownTaskActions), one listing each per interval;
	// none: one listing of every action.
	Actions []string
	// Interval is how often a held region is listed; 30s, at least 1s.
	Interval time.Duration
	// Lookback is how far back in creation time a listing reaches: at the first start (no
	// cursor yet), tasks created that long ago are listed too, and after an outage longer
	// than it the listing starts there (a gap may have been missed). 24h; longer than
	// Interval.
	Lookback time.Duration
}

// KnownTaskActions returns the TaskAction values ECS documents for DescribeTasks, which
// DiscoverConfig.Actions may name.
func KnownTaskActions() []string {
	return []string{ActionImportImage, ActionExportImage, ActionModifyDiskSpec, ActionRedeployInstance, ActionArchiveSnapshot}
}

// On reports whether discovery is configured.
func (c DiscoverConfig) On() bool { return len(c.Regions) > 0 }

// WithDefaults returns c with every zero field that has a default set to it, as NewWorker
// uses it.
func (c DiscoverConfig) WithDefaults() DiscoverConfig {
	orDefault(&c.Interval, 30*time.Second)
	orDefault(&c.Lookback, 24*time.Hour)
	return c
}

// Validate reports every setting of c that cannot work: regions that are no region ids,
// actions ECS does not list, a region or action named twice, an Interval under 1s, a Lookback
// not longer than Interval. Call it on c.WithDefaults(), as NewWorker does.
func (c DiscoverConfig) Validate() error {
	var errs []error
	for i, r := range c.Regions {
		if !events.ValidRegion(r) {
			errs = append(errs, fmt.Errorf("discovery region %q is not an ECS region id (e.g. cn-hangzhou)", r))
		} else if slices.Index(c.Regions, r) != i {
			errs = append(errs, fmt.Errorf("discovery region %s is named twice", r))
		}
	}
	for i, a := range c.Actions {
		if known := KnownTaskActions(); !slices.Contains(known, a) {
			errs = append(errs, fmt.Errorf("discovery action %q is not a TaskAction ECS lists: want one of %v", a, known))
		} else if slices.Index(c.Actions, a) != i {
			errs = append(errs, fmt.Errorf("discovery action %s is named twice", a))
		}
	}
	if c.Interval < time.Second {
		errs = append(errs, fmt.Errorf("discovery interval must be at least 1s, got %s", c.Interval))
	}
	if c.Lookback <= c.Interval {
		errs = append(errs, fmt.Errorf("discovery lookback (%s) must be longer than the discovery interval (%s)", c.Lookback, c.Interval))
	}
	return errors.Join(errs...)
}

// filters returns the TaskAction filter of each listing of a window: the configured actions,
// or "" (every action) when none is.
func (c DiscoverConfig) filters() []string {
	if len(c.Actions) == 0 {
		return []string{""}
	}
	return c.Actions
}
