package main

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// scriptedAPI answers DescribeTask from the time elapsed since it was made (the bubble's
// clock) and the number of the call, and records when each call came.
type scriptedAPI struct {
	start  time.Time
	answer func(elapsed time.Duration, call int) (poller.Status, error)
	mu     sync.Mutex
	calls  []time.Duration
}

func (a *scriptedAPI) DescribeTask(_ context.Context, region, id string) (poller.Task, error) {
	a.mu.Lock()
	elapsed := time.Since(a.start)
	a.calls = append(a.calls, elapsed)
	n := len(a.calls)
	a.mu.Unlock()
	st, err := a.answer(elapsed, n)
	if err != nil {
		return poller.Task{}, err
	}
	return poller.Task{TaskID: id, RegionID: region, Status: st}, nil
}

func secondsList(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}

// pollDoubling polls task id of api until it ends, at intervals doubling from 1s to 4s; the
// test fails if pollOne gives up.
func pollDoubling(t *testing.T, api *scriptedAPI, id string) (sighting, *errorTally) {
	t.Helper()
	var errs errorTally
	b := newBackoff(backoffConfig{Initial: time.Second, Max: 4 * time.Second, Multiplier: 2})
	s, ok := pollOne(t.Context(), api, "cn-hangzhou", id, b, &errs)
	if !ok {
		t.Fatal("pollOne gave up")
	}
	return s, &errs
}

func TestPollOneFollowsTheBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &scriptedAPI{start: time.Now(), answer: func(e time.Duration, _ int) (poller.Status, error) {
			if e >= 10*time.Second {
				return poller.StatusFinished, nil
			}
			return poller.StatusProcessing, nil
		}}
		s, errs := pollDoubling(t, api, "t-1")
		// At once, then 1, 2, 4, 4 s later: the end at 10 s is seen at 11 s.
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 11 * time.Second}
		if got := secondsList(api.calls); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		if seen := time.Unix(0, s.Seen).Sub(api.start); s.Calls != 5 || seen != 11*time.Second || s.Status != "Finished" || s.Task != "t-1" {
			t.Errorf("sighting %+v seen at +%s; want t-1 Finished after 5 calls at +11s", s, seen)
		}
		if n := errs.snapshot(); len(n) != 0 {
			t.Errorf("errors %v, want none", n)
		}
	})
}

func TestPollOneRetriesErrorsAndRestartsOnAStatusChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &scriptedAPI{start: time.Now(), answer: func(e time.Duration, call int) (poller.Status, error) {
			switch {
			case call == 3:
				return "", &poller.APIError{Code: "Throttling.User"}
			case call == 4:
				return "", errors.New("connection refused")
			case e < 2*time.Second:
				return poller.StatusWaiting, nil
			case e < 12*time.Second:
				return poller.StatusProcessing, nil
			}
			return poller.StatusFinished, nil
		}}
		s, errs := pollDoubling(t, api, "t-2")
		// 0 Waiting, 1 Waiting, 3 throttled, 7 refused (errors keep the backoff growing),
		// 11 Processing (a change: the interval restarts at 1 s), 12 Finished.
		want := []time.Duration{0, time.Second, 3 * time.Second, 7 * time.Second, 11 * time.Second, 12 * time.Second}
		if got := secondsList(api.calls); !slices.Equal(got, want) {
			t.Errorf("calls at %v, want %v", got, want)
		}
		if s.Calls != 6 || time.Unix(0, s.Seen).Sub(api.start) != 12*time.Second {
			t.Errorf("sighting %+v, want 6 calls, seen at +12s", s)
		}
		if got, want := errs.snapshot(), map[string]int{"Throttling.User": 1, "transport": 1}; !maps.Equal(got, want) {
			t.Errorf("errors %v, want %v", got, want)
		}
	})
}

func TestPollOneStopsWithTheContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		api := &scriptedAPI{start: time.Now(), answer: func(time.Duration, int) (poller.Status, error) { return poller.StatusProcessing, nil }}
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		var errs errorTally
		if _, ok := pollOne(ctx, api, "cn-hangzhou", "t-3", newBackoff(backoffConfig{Initial: time.Second, Max: 10 * time.Second, Multiplier: 1.5}), &errs); ok {
			t.Error("pollOne reported a sighting for a task that never ended")
		}
		if time.Since(api.start) != time.Minute {
			t.Errorf("returned after %s, want when the context ended (1m)", time.Since(api.start))
		}
	})
}

func TestLineWriterSplitsLines(t *testing.T) {
	var got []string
	w := &lineWriter{line: func(l []byte) { got = append(got, string(l)) }}
	for _, chunk := range []string{"a", "b\nc", "d\n\ne\n", "f"} {
		if n, err := w.Write([]byte(chunk)); n != len(chunk) || err != nil {
			t.Fatalf("Write(%q) = %d, %v", chunk, n, err)
		}
	}
	if want := []string{"ab", "cd", "", "e"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q (the unterminated f waits)", got, want)
	}
}

func TestDetectionsWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDetections(2)
		start := time.Now()
		done := make(chan error)
		go func() { done <- d.wait(t.Context(), 2, start.Add(time.Minute), nil) }()
		time.Sleep(time.Second)
		d.add("t-1", time.Now(), "finished")
		d.add("t-1", time.Now(), "failed") // a second sighting changes nothing
		time.Sleep(time.Second)
		d.add("t-2", time.Now(), "finished")
		if err := <-done; err != nil || time.Since(start) != 2*time.Second {
			t.Errorf("wait = %v after %s, want nil after 2s", err, time.Since(start))
		}
		seen, outcome := d.snapshot()
		if seen["t-1"].Sub(start) != time.Second || outcome["t-1"] != "finished" {
			t.Errorf("t-1 seen at %s as %s, want the first sighting (1s, finished)", seen["t-1"].Sub(start), outcome["t-1"])
		}

		go func() { done <- d.wait(t.Context(), 3, time.Now().Add(time.Minute), nil) }()
		if err := <-done; err == nil || !strings.Contains(err.Error(), "2 of 3") {
			t.Errorf("wait past the deadline = %v, want an error naming 2 of 3", err)
		}
	})
}
