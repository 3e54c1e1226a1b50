package chaos

import (
	"reflect"
	"testing"
	"time"
)

var plan = Plan{
	Duration: 3 * time.Minute, AckWait: 10 * time.Second, DedupWindow: 30 * time.Second,
	Workers: []string{"worker1", "worker2", "worker3"}, NATS: []string{"nats1", "nats2", "nats3"},
	Streams: []string{"KV_ECS_TASKS_STATE", "ECS_TASKS_EVENTS"},
}

func TestScheduleRepeats(t *testing.T) {
	a, b := NewSchedule(42, plan), NewSchedule(42, plan)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("seed 42 twice:\n%s\n%s", a, b)
	}
	if c := NewSchedule(43, plan); reflect.DeepEqual(a.Workers, c.Workers) && reflect.DeepEqual(a.NATS, c.NATS) {
		t.Errorf("seeds 42 and 43 give the same schedule:\n%s", a)
	}
}

func TestScheduleKeepsItsBounds(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		s := NewSchedule(seed, plan)
		for _, lane := range [][]Step{s.Workers, s.NATS} {
			var free time.Duration // when the lane's previous step is undone
			for _, st := range lane {
				if st.At < free {
					t.Fatalf("seed %d: %v starts before the step before it is undone (%v)", seed, st, free)
				}
				if st.At+st.Down > plan.Duration {
					t.Fatalf("seed %d: %v lasts beyond %v", seed, st, plan.Duration)
				}
				if st.Action == Cut && st.Down <= plan.DedupWindow {
					t.Fatalf("seed %d: %v is not longer than the duplicate window %v", seed, st, plan.DedupWindow)
				}
				free = st.At + st.Down
			}
		}
		n := s.Counts()
		for _, a := range []Action{Kill, Stop, Cut, RestartNATS, StepDown} {
			if n[a] == 0 {
				t.Fatalf("seed %d: no %s in a %v run:\n%s", seed, a, plan.Duration, s)
			}
		}
		leader, state := false, false
		for _, st := range s.NATS {
			leader = leader || (st.Action == RestartNATS && st.Target == EventsLeader)
			state = state || (st.Action == StepDown && st.Target == plan.Streams[0])
		}
		if !leader || !state {
			t.Fatalf("seed %d: a restart of the events leader %v, a step-down of the state bucket %v, want both:\n%s", seed, leader, state, s)
		}
	}
}
