package main

import (
	"context"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

// accountsResult is what one run of `bench-scale accounts` measured.
type accountsResult struct {
	Accounts, Tasks, HotTasks int
	// Hot and Quiet are the detection latencies (terminal event stored − the emulator's end)
	// of the hot account's tasks and of every other account's, sorted.
	Hot, Quiet         []time.Duration
	Missing            int                      // tasks not seen ended by the deadline
	NotOne             int                      // tasks with more than one terminal event
	NotFinished        int                      // terminal events other than finished
	Calls              map[string]*accountCalls // by account name
	Startup            time.Duration            // process start to /readyz 200
	StartupCPU         time.Duration            // the worker's CPU until then
	ReadyRSSKiB        int64                    // the worker's resident set when ready
	Idle               time.Duration            // how long the ready worker was watched with no task
	IdleCPU            time.Duration            // its CPU meanwhile
	MaxRSSKiB          int64                    // the worker's VmHWM just before it was stopped
	CPU                time.Duration            // the worker's, over its whole life
	Wall, Intake       time.Duration            // first registration to last detection; registering
	OtherLoad          float64
	Streams, Consumers int // JetStream's, at the end of the run
	HarnessCPU         time.Duration
	// IntakeLag is, per task, its record in its account's tasks bucket minus the ack of its
	// registration to the harness, sorted: the default account's forwarding and the
	// recording together. LateIntake counts the quiet and the hot tasks recorded only after
	// they had ended, which no poller can see in time.
	IntakeLag                      []time.Duration
	Start                          time.Time // of the registrations
	LateIntakeQuiet, LateIntakeHot int
}

// throttled is the run's throttled calls, over every account.
func (r accountsResult) throttled() int {
	n := 0
	for _, a := range r.Calls {
		n += a.Throttled
	}
	return n
}

// settle computes the latencies (hot and quiet apart), the outcomes and the terminal counts
// of the tasks ids (in w's order).
func (r *accountsResult) settle(ctx context.Context, emu *ecsemu.Server, js jetstream.JetStream, subjects []events.Subjects, w accountsWorkload, ids []string, det *detections) error {
	end, err := ends(emu, ids)
	if err != nil {
		return err
	}
	seen, outcome := det.snapshot()
	hot, quiet := map[string]time.Time{}, map[string]time.Time{}
	for i, id := range ids {
		if w.tasks[i].account == hotAccount {
			hot[id] = end[id]
		} else {
			quiet[id] = end[id]
		}
	}
	var m1, m2 int
	r.Hot, m1 = latencies(hot, seen)
	r.Quiet, m2 = latencies(quiet, seen)
	r.Missing = m1 + m2
	for _, o := range outcome {
		if o != string(events.KindFinished) {
			r.NotFinished++
		}
	}
	counts := map[string]int{}
	for _, s := range subjects {
		c, err := terminalCounts(ctx, js, s)
		if err != nil {
			return err
		}
		for id, n := range c {
			counts[id] += n
		}
	}
	r.NotOne = moreThanOne(counts, ids)
	return nil
}

// settleIntake computes the intake lags from the records' times, the hot and the quiet
// tasks recorded after their end apart.
func (r *accountsResult) settleIntake(emu *ecsemu.Server, w accountsWorkload, ids []string, registered []time.Time, recorded map[string]time.Time) error {
	end, err := ends(emu, ids)
	if err != nil {
		return err
	}
	var hotIDs, quietIDs []string
	var hotAt, quietAt []time.Time
	for i, id := range ids {
		if w.tasks[i].account == hotAccount {
			hotIDs, hotAt = append(hotIDs, id), append(hotAt, registered[i])
		} else {
			quietIDs, quietAt = append(quietIDs, id), append(quietAt, registered[i])
		}
	}
	hot, lateHot := intakeLags(hotIDs, hotAt, recorded, end)
	quiet, lateQuiet := intakeLags(quietIDs, quietAt, recorded, end)
	r.IntakeLag, r.LateIntakeHot, r.LateIntakeQuiet = append(hot, quiet...), lateHot, lateQuiet
	slices.Sort(r.IntakeLag)
	return nil
}
