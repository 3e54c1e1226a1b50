package chaos

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Action is one kind of chaos.
type Action string

// The actions of a schedule. Worker actions run one at a time (the worker lane), NATS actions
// one at a time (the NATS lane), the two lanes side by side.
const (
	// Kill sends SIGKILL to a worker and starts it again after Down.
	Kill Action = "kill"
	// Stop sends SIGSTOP to a worker and SIGCONT after Down (sometimes longer than the ack
	// wait, so that its tasks are taken over while it is stopped).
	Stop Action = "stop"
	// Cut disconnects a worker from the stack's network for Down, longer than the events
	// stream's duplicate window, and connects it again.
	Cut Action = "cut"
	// RestartNATS sends SIGKILL to a NATS node and starts it again after Down. Its target is a
	// node, or EventsLeader: the node that leads the events stream when the step runs.
	RestartNATS Action = "restart-nats"
	// StepDown asks the leader of a stream (Target: the events stream or a bucket's KV_ stream)
	// to step down.
	StepDown Action = "stepdown"
)

// EventsLeader is the target of a RestartNATS of whichever node leads the events stream.
const EventsLeader = "events-leader"

// Step is one planned action: at At from the start of the chaos, do Action to Target, and
// undo it Down later.
type Step struct {
	At     time.Duration
	Action Action
	Target string
	Down   time.Duration
}

func (s Step) String() string {
	out := fmt.Sprintf("%8s %-12s %s", s.At.Round(time.Second), s.Action, s.Target)
	if s.Down > 0 {
		out += fmt.Sprintf(" for %v", s.Down.Round(time.Second))
	}
	return out
}

// Plan is what a schedule is made from.
type Plan struct {
	Duration    time.Duration // no step lasts beyond it
	AckWait     time.Duration // the workers' ack wait: some stops outlast it
	DedupWindow time.Duration // the events stream's duplicate window: every cut outlasts it
	Workers     []string      // worker services
	NATS        []string      // NATS services
	Streams     []string      // stream names for StepDown, the state bucket's first
}

// Schedule is the chaos of a run, in two lanes that each run one step at a time.
type Schedule struct {
	Seed          uint64
	Workers, NATS []Step
}

// String lists the steps, lane by lane.
func (s Schedule) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "chaos schedule, seed %d: %d worker steps, %d NATS steps\n", s.Seed, len(s.Workers), len(s.NATS))
	for _, lane := range []struct {
		name  string
		steps []Step
	}{{"workers", s.Workers}, {"nats", s.NATS}} {
		for _, st := range lane.steps {
			fmt.Fprintf(&b, "  %-7s %s\n", lane.name, st)
		}
	}
	return b.String()
}

// Counts returns how many steps of each action the schedule holds.
func (s Schedule) Counts() map[Action]int {
	n := map[Action]int{}
	for _, st := range append(append([]Step{}, s.Workers...), s.NATS...) {
		n[st.Action]++
	}
	return n
}

// NewSchedule makes the schedule of seed for p: the same seed and plan always give the same
// schedule. Each lane starts with every one of its actions once, in an order drawn from the
// seed (so that even a short run has each), then draws them at random; a gap of a few seconds
// separates one step's end from the next step. The first NATS restart is of the events
// stream's leader and the first step-down is of Streams[0].
func NewSchedule(seed uint64, p Plan) Schedule {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	between := func(lo, hi time.Duration) time.Duration { return lo + time.Duration(rng.Int64N(int64(hi-lo)+1)) }
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	lane := func(kinds []Action, make func(Action) Step, gapLo, gapHi time.Duration) []Step {
		var out []Step
		first := append([]Action{}, kinds...)
		rng.Shuffle(len(first), func(i, j int) { first[i], first[j] = first[j], first[i] })
		at := between(3*time.Second, 10*time.Second)
		for i := 0; ; i++ {
			kind := kinds[rng.IntN(len(kinds))]
			if i < len(first) {
				kind = first[i]
			}
			st := make(kind)
			st.At = at
			if st.At+st.Down > p.Duration {
				return out
			}
			out = append(out, st)
			at += st.Down + between(gapLo, gapHi)
		}
	}
	worker := func(a Action) Step {
		st := Step{Action: a, Target: pick(p.Workers)}
		switch a {
		case Kill:
			st.Down = between(2*time.Second, 15*time.Second)
		case Stop:
			if rng.IntN(2) == 0 {
				st.Down = between(2*time.Second, 8*time.Second)
			} else {
				st.Down = p.AckWait + between(5*time.Second, 20*time.Second)
			}
		case Cut:
			st.Down = p.DedupWindow + between(10*time.Second, 25*time.Second)
		}
		return st
	}
	restarts, stepdowns := 0, 0
	nats := func(a Action) Step {
		switch a {
		case RestartNATS:
			target := EventsLeader // the first restart, then half of them
			if restarts > 0 && rng.IntN(2) == 0 {
				target = pick(p.NATS)
			}
			restarts++
			return Step{Action: a, Target: target, Down: between(3*time.Second, 20*time.Second)}
		default:
			target := p.Streams[0] // the first step-down, then any stream
			if stepdowns > 0 {
				target = pick(p.Streams)
			}
			stepdowns++
			return Step{Action: a, Target: target}
		}
	}
	s := Schedule{Seed: seed}
	s.Workers = lane([]Action{Kill, Stop, Cut}, worker, 3*time.Second, 15*time.Second)
	s.NATS = lane([]Action{RestartNATS, RestartNATS, StepDown}, nats, 5*time.Second, 20*time.Second)
	return s
}
