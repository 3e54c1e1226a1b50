package main

import "testing"

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
		{finished, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou expect=finished"},
		{failed, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou expect=failed reason=task_failed"},
		{canceled, "TASK n=4 task=t-abc action=ExportImage region=cn-hangzhou expect=failed reason=task_canceled"},
	}
	for _, tt := range tests {
		if got := taskLine(job{N: 4, Action: actionExport}, "t-abc", "cn-hangzhou", tt.o); got != tt.want {
			t.Errorf("taskLine() = %q, want %q", got, tt.want)
		}
	}
}
