package main

import (
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

func TestPercentileNearestRank(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 99, 0},
		{"one", ms(7), 50, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of 100 is the 99th", hundred, 99, 99 * time.Millisecond},
		{"p50 of 100 is the 50th", hundred, 50, 50 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p99 of 10 is the max", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10), 99, 10 * time.Millisecond},
		{"tiny p is the min", ms(1, 2, 3), 0.001, time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(p%g) = %s, want %s", tc.name, tc.p, got, tc.want)
		}
	}
}

func TestLatenciesCountsMissing(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ends := map[string]time.Time{"a": t0, "b": t0.Add(time.Second), "c": t0}
	seen := map[string]time.Time{"a": t0.Add(300 * time.Millisecond), "b": t0.Add(1100 * time.Millisecond), "z": t0}
	got, missing := latencies(ends, seen)
	if missing != 1 || len(got) != 2 || got[0] != 100*time.Millisecond || got[1] != 300*time.Millisecond {
		t.Errorf("latencies = %v, missing %d; want [100ms 300ms], 1", got, missing)
	}
}

func TestResultShares(t *testing.T) {
	r := result{Tasks: 4, Calls: map[string]int{"DescribeTaskAttribute": 6, "DescribeTasks": 2}, Throttled: 2}
	if r.totalCalls() != 8 || r.perTask(r.totalCalls()) != 2 || r.throttledShare() != 0.25 {
		t.Errorf("total %d, per task %g, throttled %g; want 8, 2, 0.25", r.totalCalls(), r.perTask(r.totalCalls()), r.throttledShare())
	}
	if (result{}).throttledShare() != 0 || (result{}).perTask(3) != 0 {
		t.Error("an empty result must give zero shares")
	}
}

func TestWriteTimeline(t *testing.T) {
	tl := []second{{ok: 2}, {throttled: 1, other: 1}}
	path := t.TempDir() + "/calls.csv"
	if err := writeTimeline(path, tl); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := "second,ok,throttled,other\n0,2,0,0\n1,0,1,1\n"; string(b) != want {
		t.Errorf("csv %q, want %q", b, want)
	}
}

func TestCallTimelineFromTheEmulator(t *testing.T) {
	emu, err := ecsemu.New(ecsemu.WithQuota(ecsemu.ActionDescribeTaskAttribute, 1))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	start := time.Now()
	id, err := emu.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Processing: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := ecsapi.StaticCredential(ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret, "")
	if err != nil {
		t.Fatal(err)
	}
	api, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.DescribeTask(t.Context(), "cn-hangzhou", id); err != nil {
		t.Fatalf("first call: %v", err)
	}
	if _, err := api.DescribeTask(t.Context(), "cn-hangzhou", id); err == nil {
		t.Fatal("second call within the second of a 1/s quota: not throttled")
	}
	tl := callTimeline(emu, []string{id}, start)
	var ok, throttled int
	for _, s := range tl {
		ok, throttled = ok+s.ok, throttled+s.throttled
	}
	if ok != 1 || throttled != 1 {
		t.Errorf("timeline %+v: %d ok and %d throttled, want 1 and 1", tl, ok, throttled)
	}
}

func TestBusyTimeAndOtherLoad(t *testing.T) {
	// user nice system idle iowait irq softirq steal: idle and iowait are not busy.
	if got := busyTime("cpu  300 0 100 5000 40 0 20 5 0 0"); got != 4250*time.Millisecond {
		t.Errorf("busyTime = %s, want 4.25s (425 ticks)", got)
	}
	for _, bad := range []string{"", "cpu0 1 2 3 4 5 6 7 8", "cpu 1 2 x 4 5 6 7 8"} {
		if got := busyTime(bad); got != 0 {
			t.Errorf("busyTime(%q) = %s, want 0", bad, got)
		}
	}
	t0 := time.Unix(0, 0)
	from := cpuMark{busy: time.Hour, harness: time.Second, at: t0}
	to := cpuMark{busy: time.Hour + 10*time.Second, harness: 3 * time.Second, at: t0.Add(10 * time.Second)}
	// 10 s busy in 10 s: 2 s harness, 3 s poller, 5 s others.
	want := 5.0 / (10 * float64(runtime.NumCPU()))
	if got := otherLoad(from, to, 3*time.Second); got != want {
		t.Errorf("otherLoad = %g, want %g", got, want)
	}
	if got := otherLoad(cpuMark{}, to, 0); got != -1 {
		t.Errorf("otherLoad without /proc/stat = %g, want -1", got)
	}
}
