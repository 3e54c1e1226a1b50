package main

import (
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// discoverFlags are the flags of discovery in `taskpoller run`, a flagGroup:
// --discover-regions, --discover-actions, --discover-interval, --discover-lookback.
type discoverFlags struct {
	Regions  listFlag
	Actions  listFlag
	Interval time.Duration
	Lookback time.Duration
}

func (d *discoverFlags) register(fs *flag.FlagSet) {
	d.Regions = listFlag{check: func(r string) error {
		if !events.ValidRegion(r) {
			return fmt.Errorf("%q is not an ECS region id (e.g. cn-hangzhou)", r)
		}
		return nil
	}}
	d.Actions = listFlag{check: func(a string) error {
		if known := poller.KnownTaskActions(); !slices.Contains(known, a) {
			return fmt.Errorf("%q is not a TaskAction ECS lists: want one of %s", a, strings.Join(known, ", "))
		}
		return nil
	}}
	fs.Var(&d.Regions, "discover-regions", "discovery: regions, comma-separated (e.g. cn-hangzhou,cn-shanghai), whose every task becomes events, registered or not: one worker of the fleet at a time lists each with DescribeTasks by creation time (the RAM identity needs ecs:DescribeTasks) and registers what it finds as a producer would; empty: only registered tasks are tracked")
	fs.Var(&d.Actions, "discover-actions", "discovery: the TaskActions listed, comma-separated ("+strings.Join(poller.KnownTaskActions(), ", ")+"), one DescribeTasks listing each per interval; empty: every action, in one listing")
	def := poller.DiscoverConfig{}.WithDefaults()
	durationVar(fs, &d.Interval, "discover-interval", def.Interval, positive, "discovery: how often each region is listed (at least 1s); a task created in a listed region is registered within about this long")
	durationVar(fs, &d.Lookback, "discover-lookback", def.Lookback, positive, "discovery: at the first start, tasks created this long ago are listed too; after an outage longer than this, the listing resumes this far back and a gap may have been missed; at most --events-max-age")
}

// validate refuses what the flags cannot do together (the regions and actions are checked as
// they are parsed).
func (d *discoverFlags) validate() error {
	var errs []error
	if len(d.Regions.items) == 0 && len(d.Actions.items) > 0 {
		errs = append(errs, errors.New("--discover-actions without --discover-regions: no region is listed"))
	}
	if d.Interval < time.Second {
		errs = append(errs, fmt.Errorf("--discover-interval must be at least 1s, got %s", d.Interval))
	}
	if d.Lookback <= d.Interval {
		errs = append(errs, fmt.Errorf("--discover-lookback (%s) must be longer than --discover-interval (%s)", d.Lookback, d.Interval))
	}
	return errors.Join(errs...)
}

// config is the worker's discovery (poller.WithDiscovery); no regions: off.
func (d *discoverFlags) config() poller.DiscoverConfig {
	return poller.DiscoverConfig{Regions: d.Regions.items, Actions: d.Actions.items, Interval: d.Interval, Lookback: d.Lookback}
}

// listFlag is a comma-separated list flag (repeatable: the items add up); check refuses an
// item, as a bad value of the flag.
type listFlag struct {
	items []string
	check func(string) error
}

func (l *listFlag) String() string { return strings.Join(l.items, ",") }

func (l *listFlag) Set(v string) error {
	for item := range strings.SplitSeq(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if l.check != nil {
			if err := l.check(item); err != nil {
				return err
			}
		}
		if slices.Contains(l.items, item) {
			return fmt.Errorf("%s is named twice", item)
		}
		l.items = append(l.items, item)
	}
	return nil
}
