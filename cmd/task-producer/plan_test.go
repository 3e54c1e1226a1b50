package main

import (
	"fmt"
	"math"
	"testing"
)

func TestPlanJob(t *testing.T) {
	cfg := Config{FailEvery: 7, CancelEvery: 5}
	tests := []struct {
		n    int
		want job
	}{
		{1, job{N: 1, Action: actionExport}},
		{2, job{N: 2, Action: actionImport}},
		{3, job{N: 3, Action: actionModify}},
		{5, job{N: 5, Action: actionImport, Cancel: true}},
		{7, job{N: 7, Action: actionExport, Fail: true}},
		{15, job{N: 15, Action: actionModify}},             // would be canceled, but cannot be
		{35, job{N: 35, Action: actionImport, Fail: true}}, // failing wins over canceling
		{40, job{N: 40, Action: actionExport, Cancel: true}},
	}
	for _, tt := range tests {
		if got := planJob(tt.n, cfg); got != tt.want {
			t.Errorf("planJob(%d) = %+v, want %+v", tt.n, got, tt.want)
		}
	}
	if got := planJob(7, Config{}); got.Fail || got.Cancel {
		t.Errorf("planJob(7) with no failures or cancels = %+v", got)
	}
}

func TestTaskLine(t *testing.T) {
	tests := []struct {
		o    outcome
		want string
	}{
		{finished, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou registered=yes expect=finished"},
		{failed, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou registered=yes expect=failed reason=task_failed"},
		{canceled, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou registered=yes expect=failed reason=task_canceled"},
	}
	for _, tt := range tests {
		if got := taskLine(job{N: 4, Action: actionExport}, "t-abc", "cn-hangzhou", tt.o); got != tt.want {
			t.Errorf("taskLine() = %q, want %q", got, tt.want)
		}
	}
}

func TestTaskLineSaysUnregistered(t *testing.T) {
	got := taskLine(job{N: 4, Action: actionExport, Unregistered: true}, "t-abc", "cn-hangzhou", finished)
	if want := "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou registered=no expect=finished"; got != want {
		t.Errorf("taskLine() = %q, want %q", got, want)
	}
}

// The share left unregistered holds for every prefix of the tasks (give or take three), the
// same n always gets the same answer, and every action and plan occurs unregistered.
func TestPlanJobLeavesTheShareUnregistered(t *testing.T) {
	for _, share := range []float64{0, 0.2, 0.5, 1} {
		cfg := Config{FailEvery: 7, CancelEvery: 5, Unregistered: share}
		left := 0
		seen := map[job]bool{}
		for n := 1; n <= 1000; n++ {
			j := planJob(n, cfg)
			if j != planJob(n, cfg) {
				t.Fatalf("planJob(%d) is not deterministic", n)
			}
			if j.Unregistered {
				left++
				seen[job{Action: j.Action, Fail: j.Fail, Cancel: j.Cancel}] = true
			}
			if want := share * float64(n); float64(left) < want-3 || float64(left) > want+3 {
				t.Fatalf("share %v: %d of the first %d tasks unregistered, want %.1f give or take three", share, left, n, want)
			}
		}
		if share >= 0.2 && len(seen) != 7 { // export and import × plain, fail, cancel; and modify: 7 kinds
			t.Errorf("share %v: unregistered tasks of only %d kinds: %v", share, len(seen), seen)
		}
	}
}

func TestValidateRefusesAShareOutsideZeroToOne(t *testing.T) {
	for _, share := range []float64{-0.1, 1.5, math.NaN()} {
		cfg, err := parseConfig([]string{"--unregistered-share", fmt.Sprint(share)}, func(string) (string, bool) { return "", false })
		if err == nil {
			t.Errorf("--unregistered-share %v accepted: %+v", share, cfg)
		}
	}
}
