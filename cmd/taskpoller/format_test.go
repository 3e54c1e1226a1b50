package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

func TestFormatLine(t *testing.T) {
	task := poller.Task{TaskID: "t-1", RegionID: "cn-hangzhou", Action: "ExportImage", Status: poller.StatusFinished, Process: "100%",
		Operations: []poller.Operation{{Items: []poller.Item{{Name: "OSSBucket", Value: "b"}, {Name: "OSSObject", Value: "x.raw"}}}}}
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	tests := []struct {
		data []byte
		want []string
	}{
		{enc(events.New(poller.Notice{Kind: poller.KindFinished, Task: task, ObservedAt: time.Now()})), []string{"t-1", "ExportImage", "FINISHED", "oss://b/x.raw"}},
		{enc(events.New(poller.Notice{Kind: poller.KindStatusChanged, Task: task, PreviousStatus: "Processing"})), []string{"status", "Processing → Finished"}},
		{enc(events.New(poller.Notice{Kind: poller.KindFailed, Task: task, Reason: poller.ReasonTimeout, ErrorMessage: "late"})), []string{"FAILED", "reason=timeout", `msg="late"`}},
		{enc(events.NewInvalid(1, []byte("junk"), events.ErrInvalidRegistration, time.Now())), []string{"INVALID", "junk"}},
		{[]byte("junk"), []string{"not JSON"}},
	}
	for _, tt := range tests {
		got := formatLine("s", tt.data)
		for _, w := range tt.want {
			if !strings.Contains(got, w) {
				t.Errorf("line %q lacks %q", got, w)
			}
		}
	}
}
