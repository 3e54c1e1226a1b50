package poller

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// Every event the worker can build — each kind, each reason, with and without operations,
// metadata, estimate, resource, cut strings — matches the schema its dataschema names.
func TestNoticeEventsMatchTheirSchemas(t *testing.T) {
	v, err := schematest.New()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 27, 8, 4, 1, 0, time.FixedZone("CST", 8*3600))
	md := []byte(`{"ticket":"OPS-42","n":[1,{"x":null}]}`)
	reg := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-bp1hc3ejzkd8zy3g0x5j", Metadata: md}
	export := Task{TaskID: reg.TaskID, RegionID: reg.RegionID, Action: "ExportImage", Status: StatusProcessing, Process: "40%",
		CreationTime: "2026-11-27T07:50Z", TotalCount: 1, SupportCancel: true, ResourceID: "m-bp1demoweb0000000001",
		Operations: []events.Operation{{OperationStatus: "Processing"}}}
	done := with(export, func(t *Task) {
		t.Status, t.Process, t.FinishedTime, t.SuccessCount = StatusFinished, "100%", "2026-11-27T08:04Z", 1
		t.Operations = []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{
			{Name: "OSSBucket", Value: "images"}, {Name: "OSSObject", Value: "web.qcow2"}, {Name: "OSSObject", Value: "web_data1.qcow2"}}}}
	})
	failedOps := []events.Operation{{OperationStatus: "Failed", ErrorCode: "InvalidOSSBucket.NotFound", ErrorMsg: "no bucket"}}
	long := strings.Repeat("é", 1000) // 2000 bytes: cut to 1 KiB
	seen := observed{Task: export, Ordinal: 2}

	var notices []Notice
	add := func(prev observed, cur Task, md []byte) {
		ns, _ := transitions(prev, cur, md, at)
		notices = append(notices, ns...)
	}
	add(observed{}, with(export, func(t *Task) { t.Status, t.Process, t.Operations, t.Action = StatusWaiting, "", nil, "" }), nil)
	add(observed{}, export, md) // status_changed and progress (no estimate)
	add(seen, with(export, func(t *Task) { t.Process, t.EstimatedFinish = "45%", at.Add(time.Hour) }), md)
	add(seen, with(export, func(t *Task) { t.Status = "Rebooting" }), md)
	add(seen, done, md)
	add(seen, with(done, func(t *Task) { t.Operations, t.ResourceID = nil, "" }), nil)
	add(seen, with(done, func(t *Task) { t.FailedCount, t.Operations = 1, failedOps }), md)
	add(seen, with(export, func(t *Task) { t.Status, t.Operations = StatusFailed, failedOps }), md)
	add(seen, with(export, func(t *Task) { t.Status = StatusDeleted }), md)
	add(seen, bounded(with(done, func(t *Task) {
		t.Action, t.Process, t.Operations[0].ErrorMsg, t.Operations[0].RelatedItems[1].Value = long, long, long, long
	})), md)
	notices = append(notices,
		failure(observed{}, reg, events.ReasonTaskNotFound, "InvalidTaskId.NotFound", "The specified task is not found.", nil, at),
		failure(seen, reg, events.ReasonTaskNotFound, "InvalidTaskId.NotFound", "", md, at),
		failure(observed{}, reg, events.ReasonInvalidRegion, "InvalidRegionId.NotFound", "The specified RegionId does not exist.", md, at),
		// as onTask builds a timeout
		Notice{Kind: events.KindFailed, Task: export, PreviousStatus: StatusWaiting, Ordinal: 2, Metadata: md,
			Reason: events.ReasonTimeout, ObservedAt: at, ErrorMessage: fmt.Sprintf("task not finished %s after registration; last status %q", time.Hour, long)},
		Notice{Kind: events.KindFailed, Task: with(export, func(t *Task) { t.Status = "Rebooting" }), Ordinal: 3,
			Reason: events.ReasonTimeout, ObservedAt: at, ErrorMessage: "not finished"},
	)
	// timeouts of a worker that cancels tasks at their deadline, each outcome
	for _, err := range []error{nil, &APIError{Code: CodeIncorrectTaskStatus, StatusCode: 403},
		&APIError{Code: long, StatusCode: 400}, &APIError{Code: "InternalError", StatusCode: 500}, context.DeadlineExceeded} {
		notices = append(notices, Notice{Kind: events.KindFailed, Task: export, Ordinal: 2, Reason: events.ReasonTimeout,
			ObservedAt: at, ErrorMessage: "not finished", Cancel: cancelOutcome(err)})
	}
	notices = append(notices, Notice{Kind: events.KindFailed, Task: with(export, func(t *Task) { t.Action, t.SupportCancel = "ModifyDiskSpec", false }),
		Ordinal: 2, Reason: events.ReasonTimeout, ObservedAt: at, ErrorMessage: "not finished", Cancel: events.CancelNotSupported})

	kinds, reasons, edges := map[events.Kind]bool{}, map[events.Reason]bool{}, map[string]bool{}
	for _, n := range notices {
		ev := n.Event()
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Event(b); err != nil {
			t.Errorf("%s/%s: %v\n%s", n.Kind, n.Reason, err, b)
		}
		kinds[n.Kind], reasons[n.Reason] = true, true
		d := ev.Data
		edges["no operations"] = edges["no operations"] || len(d.Operations) == 0
		edges["truncated"] = edges["truncated"] || d.Truncated
		edges["estimate"] = edges["estimate"] || d.EstimatedFinishTime != nil
		edges["progress without estimate"] = edges["progress without estimate"] || n.Kind == events.KindProgress && d.EstimatedFinishTime == nil
		edges["metadata"] = edges["metadata"] || d.Metadata != nil
		edges["no metadata"] = edges["no metadata"] || d.Metadata == nil
		edges["resource_id"] = edges["resource_id"] || d.ResourceID != ""
		edges["never seen"] = edges["never seen"] || d.StatusOrdinal == 0 && d.TaskStatus == "" && d.TaskAction == "unknown"
		edges["cancel"] = edges["cancel"] || d.Cancel != ""
	}
	for _, e := range []string{"no operations", "truncated", "estimate", "progress without estimate", "metadata", "no metadata", "resource_id", "never seen", "cancel"} {
		if !edges[e] {
			t.Errorf("no event with %s checked", e)
		}
	}
	for _, k := range events.Kinds {
		if !kinds[k] {
			t.Errorf("no %s event checked", k)
		}
	}
	for _, r := range []events.Reason{events.ReasonTaskFailed, events.ReasonOperationsFailed, events.ReasonTaskCanceled,
		events.ReasonTaskNotFound, events.ReasonInvalidRegion, events.ReasonTimeout} {
		if !reasons[r] {
			t.Errorf("no failed event with reason %s checked", r)
		}
	}
}
