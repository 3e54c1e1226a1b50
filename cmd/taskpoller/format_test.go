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
		Operations: []events.Operation{{RelatedItems: []events.RelatedItem{{Name: "OSSBucket", Value: "b"}, {Name: "OSSObject", Value: "x.raw"}}}}}
	enc := func(v any) []byte { b, _ := json.Marshal(v); return b }
	tests := []struct {
		data []byte
		want []string
	}{
		{enc(poller.Notice{Kind: events.KindFinished, Task: task, ObservedAt: time.Now()}.Event()), []string{"t-1", "ExportImage", "FINISHED", "oss://b/x.raw"}},
		{enc(poller.Notice{Kind: events.KindStatusChanged, Task: task, PreviousStatus: "Processing"}.Event()), []string{"status", "Processing → Finished"}},
		{enc(poller.Notice{Kind: events.KindFailed, Task: task, Reason: events.ReasonTimeout, ErrorMessage: "late"}.Event()), []string{"FAILED", "reason=timeout", `msg="late"`}},
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
