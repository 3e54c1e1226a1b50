package ecsemu_test

import (
	"sync"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

func TestFaultRates(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		f      ecsemu.Faults
		code   string
		status int
	}{
		{"throttle", ecsemu.Faults{Throttle: 1}, "Throttling.User", 400},
		{"unavailable", ecsemu.Faults{Unavailable: 1}, "ServiceUnavailable", 503},
		{"internal", ecsemu.Faults{Internal: 1}, "InternalError", 500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetFaults(tc.f)
			code, status := sdkCode(t, func() error { _, err := describe(c, "cn-hangzhou", id); return err }())
			if code != tc.code || status != tc.status {
				t.Errorf("got %s %d, want %s %d", code, status, tc.code, tc.status)
			}
		})
	}
	// Faults limited to other actions leave DescribeTaskAttribute alone.
	srv.SetFaults(ecsemu.Faults{Internal: 1, Actions: []string{"ExportImage"}})
	if _, err := describe(c, "cn-hangzhou", id); err != nil {
		t.Errorf("with faults on ExportImage only: %v", err)
	}
	// Latency is added to every answer.
	srv.SetFaults(ecsemu.Faults{Latency: 30 * time.Millisecond})
	start := time.Now()
	if _, err := describe(c, "cn-hangzhou", id); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 30*time.Millisecond {
		t.Errorf("answer after %v, want >= 30ms", el)
	}
	// A half rate hits about half the calls.
	srv.SetFaults(ecsemu.Faults{Throttle: 0.5})
	throttled := 0
	for range 200 {
		if _, err := describe(c, "cn-hangzhou", id); err != nil {
			throttled++
		}
	}
	if throttled < 60 || throttled > 140 {
		t.Errorf("%d of 200 throttled at rate 0.5", throttled)
	}
	srv.SetFaults(ecsemu.Faults{})
	if got := srv.CurrentFaults(); got.Throttle != 0 {
		t.Errorf("faults not cleared: %+v", got)
	}
}

func TestQuotaPerActionAndRegion(t *testing.T) {
	frozen := time.Now() // a frozen clock: no token is refilled during the test
	srv := newEmulator(t, ecsemu.WithQuota("DescribeTaskAttribute", 3), ecsemu.WithClock(func() time.Time { return frozen }))
	c := newClient(t, srv, clientOpts{})
	ids := map[string]string{}
	for _, r := range []string{"cn-hangzhou", "cn-shenzhen"} {
		id, err := srv.AddTask(ecsemu.Script{RegionID: r, Steps: []ecsemu.Step{{Status: "Processing"}}})
		if err != nil {
			t.Fatal(err)
		}
		ids[r] = id
	}
	throttled := 0
	for range 10 {
		if _, err := describe(c, "cn-hangzhou", ids["cn-hangzhou"]); err != nil {
			if code, _ := sdkCode(t, err); code != "Throttling.User" {
				t.Fatalf("code %s, want Throttling.User", code)
			}
			throttled++
		}
	}
	if throttled != 7 {
		t.Errorf("%d of 10 calls throttled with a quota of 3/s (burst 3), want 7", throttled)
	}
	if _, err := describe(c, "cn-shenzhen", ids["cn-shenzhen"]); err != nil {
		t.Errorf("other region throttled: %v", err)
	}
	srv.SetQuota("DescribeTaskAttribute", 0)
	if _, err := describe(c, "cn-hangzhou", ids["cn-hangzhou"]); err != nil {
		t.Errorf("after removing the quota: %v", err)
	}
}

// In window mode a quota counts calls per wall-clock second: floor(qps) pass in each second,
// whenever in it they come, and the count starts again with the next second.
func TestQuotaWindow(t *testing.T) {
	now := time.Now().Truncate(time.Second).Add(900 * time.Millisecond) // near the real clock: requests are signed with it
	srv := newEmulator(t, ecsemu.WithQuota("DescribeTaskAttribute", 3.5), ecsemu.WithQuotaWindow(), ecsemu.WithClock(func() time.Time { return now }))
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing"}}})
	if err != nil {
		t.Fatal(err)
	}
	passed := func(calls int) int {
		n := 0
		for range calls {
			if _, err := describe(c, "cn-hangzhou", id); err == nil {
				n++
			} else if code, _ := sdkCode(t, err); code != "Throttling.User" {
				t.Fatalf("code %s, want Throttling.User", code)
			}
		}
		return n
	}
	if got := passed(10); got != 3 {
		t.Errorf("%d of 10 calls in one second passed a quota of 3.5/s, want 3", got)
	}
	now = now.Add(100 * time.Millisecond) // the next wall-clock second, a tenth of a second later
	if got := passed(10); got != 3 {
		t.Errorf("%d of 10 calls passed in the next second, want 3 (a token bucket would pass none)", got)
	}
}

// TestConcurrentClients runs many SDK clients against one emulator under
// -race, mixing creates, polls, lists, cancels and fault changes.
func TestConcurrentClients(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithTimeScale(100000))
	var wg sync.WaitGroup
	for w := range 16 {
		c := newClient(t, srv, clientOpts{ownHTTP: true})
		wg.Go(func() {
			for i := range 20 {
				id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing", Times: 2}, {Status: "Finished"}}})
				if err != nil {
					t.Error(err)
					return
				}
				for range 3 {
					if _, err := describe(c, "cn-hangzhou", id); err != nil {
						t.Errorf("worker %d: %v", w, err)
						return
					}
				}
				if i%5 == 0 {
					srv.SetFaults(ecsemu.Faults{})
					_ = srv.Stats()
					_ = srv.Calls(id)
				}
			}
		})
	}
	wg.Wait()
	if n := srv.CallCount("DescribeTaskAttribute"); n != 16*20*3 {
		t.Errorf("CallCount = %d, want %d", n, 16*20*3)
	}
}
