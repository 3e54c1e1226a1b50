package events_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// finishedExport is a finished export as the worker publishes it (see poller.Notice.Event,
// whose own test validates what it builds for every kind and reason).
func finishedExport() events.Event {
	return events.Event{
		SpecVersion: events.SpecVersion, ID: "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/terminal",
		Source: events.EventSource("cn-hangzhou"), Type: events.TypeFinished, Subject: "t-bp1hc3ejzkd8zy3g0x5j",
		Time: time.Date(2026, 11, 27, 8, 4, 1, 575e6, time.UTC), DataContentType: "application/json",
		DataSchema: events.KindFinished.DataSchema(),
		Data: events.Data{
			TaskID: "t-bp1hc3ejzkd8zy3g0x5j", RegionID: "cn-hangzhou", TaskAction: "ExportImage",
			TaskStatus: "Finished", PreviousStatus: "Processing", TaskProcess: "100%",
			CreationTime: "2026-11-27T07:50Z", FinishedTime: "2026-11-27T08:04Z",
			TotalCount: 1, SuccessCount: 1, StatusOrdinal: 3,
			Operations: []events.Operation{{OperationStatus: "Success", RelatedItems: []events.RelatedItem{
				{Name: "OSSBucket", Value: "images"}, {Name: "OSSObject", Value: "web.qcow2"}}}},
			OSSObjects: []string{"web.qcow2"}, OSSBucket: "images", Metadata: json.RawMessage(`{"ticket":"OPS-42"}`),
		},
	}
}

// asMap encodes v and decodes it as a generic JSON object, for tests to break.
func asMap(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func encode(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Events of every type pass, with the optional fields present or absent.
func TestEventsMatchTheirSchemas(t *testing.T) {
	v := newValidator(t)
	eta := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tests := map[string]func(e *events.Event){
		"finished export": func(*events.Event) {},
		"finished, bare": func(e *events.Event) {
			e.Data.Operations, e.Data.OSSObjects, e.Data.OSSBucket, e.Data.Metadata = []events.Operation{}, []string{}, "", nil
		},
		"finished, truncated, with resource": func(e *events.Event) { e.Data.Truncated, e.Data.ResourceID = true, "m-bp1abc" },
		"finished, discovered":               func(e *events.Event) { e.Data.Origin = events.OriginDiscovered },
		"finished, registered":               func(e *events.Event) { e.Data.Origin = events.OriginRegistered },
		"finished, traced":                   func(e *events.Event) { e.TraceParent = tp },
		"finished, of an account": func(e *events.Event) {
			e.Data.Account, e.Source = "prod-eu", events.AccountEventSource("prod-eu", e.Data.RegionID)
		},
		"finished, traced with a tracestate": func(e *events.Event) { e.TraceParent, e.TraceState = tp, "rojo=00f067aa0ba902b7" },
		"status_changed, first": func(e *events.Event) {
			e.Type, e.DataSchema, e.ID = events.TypeStatusChanged, events.KindStatusChanged.DataSchema(), "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/status/1/Waiting"
			e.Data.TaskStatus, e.Data.PreviousStatus, e.Data.StatusOrdinal, e.Data.TaskProcess = "Waiting", "", 1, ""
		},
		"status_changed to a status ECS does not document": func(e *events.Event) {
			e.Type, e.DataSchema, e.ID = events.TypeStatusChanged, events.KindStatusChanged.DataSchema(), "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/status/4/Mystery"
			e.Data.TaskStatus, e.Data.StatusOrdinal = "Mystery", 4
		},
		"progress with an estimate": func(e *events.Event) {
			e.Type, e.DataSchema, e.ID = events.TypeProgress, events.KindProgress.DataSchema(), "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/progress/2/Processing/45%"
			e.Data.TaskStatus, e.Data.TaskProcess, e.Data.EstimatedFinishTime = "Processing", "45%", &eta
		},
		"progress without an estimate": func(e *events.Event) {
			e.Type, e.DataSchema, e.ID = events.TypeProgress, events.KindProgress.DataSchema(), "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/progress/2/Processing/5%"
			e.Data.TaskStatus, e.Data.TaskProcess = "Processing", "5%"
		},
		"failed, operations failed": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data.FailedCount, e.Data.Reason, e.Data.ErrorCode, e.Data.ErrorMessage = 1, events.ReasonOperationsFailed, "Oops", "it broke"
		},
		"failed, not found before any status": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data = events.Data{TaskID: e.Data.TaskID, RegionID: e.Data.RegionID, TaskAction: "unknown", Operations: []events.Operation{},
				OSSObjects: []string{}, Reason: events.ReasonTaskNotFound, ErrorCode: "InvalidTaskId.NotFound"}
		},
		"failed, timeout": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data.TaskStatus, e.Data.Reason, e.Data.ErrorMessage = "Processing", events.ReasonTimeout, "not finished"
		},
		"failed, timeout, canceled": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data.TaskStatus, e.Data.Reason, e.Data.Cancel = "Processing", events.ReasonTimeout, events.CancelAccepted
		},
		"failed, timeout, cancel refused": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data.TaskStatus, e.Data.Reason, e.Data.Cancel = "Waiting", events.ReasonTimeout, events.CancelRefused("InvalidTaskId.IncorrectTaskStatus")
		},
		"failed, timeout, cannot be canceled": func(e *events.Event) {
			e.Type, e.DataSchema, e.Data.TaskAction = events.TypeFailed, events.KindFailed.DataSchema(), "ModifyDiskSpec"
			e.Data.TaskStatus, e.Data.Reason, e.Data.Cancel = "Processing", events.ReasonTimeout, events.CancelNotSupported
		},
		"failed, timeout, cancel unanswered": func(e *events.Event) {
			e.Type, e.DataSchema = events.TypeFailed, events.KindFailed.DataSchema()
			e.Data.TaskStatus, e.Data.Reason, e.Data.Cancel = "Processing", events.ReasonTimeout, events.CancelError("Timeout")
		},
	}
	for name, change := range tests {
		e := finishedExport()
		change(&e)
		if err := v.Event(encode(t, e)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	for _, inv := range []events.Invalid{
		events.NewInvalid(7, []byte(`{"task_id":"t-1"}`), errors.New("invalid registration: region_id is missing"), time.Now()),
		events.NewInvalid(8, []byte(strings.Repeat("é", events.MaxInvalidPayload)), events.ErrInvalidRegistration, time.Now()), // cut mid-rune
		events.NewInvalid(9, []byte("\xff\xfe not UTF-8"), events.ErrInvalidRegistration, time.Now()),
		events.NewInvalid(10, nil, events.ErrInvalidRegistration, time.Now()),
	} {
		if err := v.Event(encode(t, inv)); err != nil {
			t.Errorf("invalid report %s: %v", inv.ID, err)
		}
	}
}

// Broken events are refused, each for its own reason.
func TestSchemasRefuseBrokenEvents(t *testing.T) {
	v := newValidator(t)
	data := func(m map[string]any) map[string]any { return m["data"].(map[string]any) }
	tests := map[string]func(m map[string]any){
		"no task_id":                      func(m map[string]any) { delete(data(m), "task_id") },
		"no oss_objects":                  func(m map[string]any) { delete(data(m), "oss_objects") },
		"no estimated_finish_time":        func(m map[string]any) { delete(data(m), "estimated_finish_time") },
		"null oss_objects":                func(m map[string]any) { data(m)["oss_objects"] = nil },
		"status_ordinal as a string":      func(m map[string]any) { data(m)["status_ordinal"] = "3" },
		"fractional count":                func(m map[string]any) { data(m)["total_count"] = 1.5 },
		"negative count":                  func(m map[string]any) { data(m)["success_count"] = -1 },
		"metadata not an object":          func(m map[string]any) { data(m)["metadata"] = "OPS-42" },
		"operation without related_items": func(m map[string]any) { delete(data(m)["operations"].([]any)[0].(map[string]any), "related_items") },
		"bad task id":                     func(m map[string]any) { data(m)["task_id"] = "t-a.b" },
		"bad region id":                   func(m map[string]any) { data(m)["region_id"] = "cn_hangzhou" },
		"bad account":                     func(m map[string]any) { data(m)["account"] = "Prod EU" },
		"empty account":                   func(m map[string]any) { data(m)["account"] = "" },
		"source of a bad account":         func(m map[string]any) { m["source"] = "/taskpoller/ecs/Prod/cn-hangzhou" },
		"finished, not Finished":          func(m map[string]any) { data(m)["task_status"] = "Processing" },
		"finished with failed operations": func(m map[string]any) { data(m)["failed_count"] = 1 },
		"finished with a reason":          func(m map[string]any) { data(m)["reason"] = "task_failed" },
		"finished with an estimate":       func(m map[string]any) { data(m)["estimated_finish_time"] = "2026-11-27T09:00:00Z" },
		"finished with ordinal 0":         func(m map[string]any) { data(m)["status_ordinal"] = 0 },
		"action empty":                    func(m map[string]any) { data(m)["task_action"] = "" },
		"status over 1 KiB":               func(m map[string]any) { data(m)["previous_status"] = strings.Repeat("x", 1025) },
		"unknown type":                    func(m map[string]any) { m["type"] = "ecs.task.exploded" },
		"malformed traceparent":           func(m map[string]any) { m["traceparent"] = "00-abc-01" },
		"tracestate without traceparent":  func(m map[string]any) { m["tracestate"] = "rojo=1" },
		"no subject":                      func(m map[string]any) { delete(m, "subject") },
		"bad time":                        func(m map[string]any) { m["time"] = "yesterday" },
		"wrong specversion":               func(m map[string]any) { m["specversion"] = "0.3" },
		"old dataschema":                  func(m map[string]any) { m["dataschema"] = "urn:taskpoller:events:v1" },
		"dataschema of another type":      func(m map[string]any) { m["dataschema"] = events.KindFailed.DataSchema() },
		"id of a status change":           func(m map[string]any) { m["id"] = "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/status/3/Finished" },
		"source of another service":       func(m map[string]any) { m["source"] = "/elsewhere" },
		"failed without reason":           func(m map[string]any) { failed(m); delete(data(m), "reason") },
		"failed with an unknown reason":   func(m map[string]any) { failed(m); data(m)["reason"] = "gremlins" },
		"task_failed, status not Failed":  func(m map[string]any) { failed(m); data(m)["task_status"] = "Deleted" },
		"operations_failed, none failed": func(m map[string]any) {
			failed(m)
			data(m)["reason"], data(m)["task_status"] = "operations_failed", "Finished"
		},
		"canceled, status not Deleted":      func(m map[string]any) { failed(m); data(m)["reason"] = "task_canceled" },
		"timeout of a terminal task":        func(m map[string]any) { failed(m); data(m)["reason"] = "timeout" },
		"cancel of a task that failed":      func(m map[string]any) { failed(m); data(m)["cancel"] = events.CancelAccepted },
		"cancel of a finished task":         func(m map[string]any) { data(m)["cancel"] = events.CancelAccepted },
		"cancel of a progress":              func(m map[string]any) { progress(m); data(m)["cancel"] = events.CancelAccepted },
		"cancel with an unknown outcome":    func(m map[string]any) { timedOut(m); data(m)["cancel"] = "maybe" },
		"cancel refused without a code":     func(m map[string]any) { timedOut(m); data(m)["cancel"] = events.CancelRefused("") },
		"cancel empty":                      func(m map[string]any) { timedOut(m); data(m)["cancel"] = "" },
		"cancel over 1 KiB":                 func(m map[string]any) { timedOut(m); data(m)["cancel"] = events.CancelError(strings.Repeat("x", 1024)) },
		"progress with a bad estimate":      func(m map[string]any) { progress(m); data(m)["estimated_finish_time"] = "soon" },
		"progress without process":          func(m map[string]any) { progress(m); data(m)["task_process"] = "" },
		"progress with an error":            func(m map[string]any) { progress(m); data(m)["error_code"] = "X" },
		"status_changed with ordinal 0":     func(m map[string]any) { statusChanged(m); data(m)["status_ordinal"] = 0 },
		"status_changed with an estimate":   func(m map[string]any) { statusChanged(m); data(m)["estimated_finish_time"] = "2026-11-27T09:00:00Z" },
		"invalid report without payload":    func(m map[string]any) { invalid(m); delete(data(m), "payload") },
		"invalid report with a long one":    func(m map[string]any) { invalid(m); data(m)["payload"] = strings.Repeat("x", 4097) },
		"invalid report with a task id":     func(m map[string]any) { invalid(m); m["id"] = "cn-hangzhou/t-1/terminal" },
		"invalid report with task data":     func(m map[string]any) { invalid(m); m["data"] = data(asMap(t, finishedExport())) },
		"task event with an invalid's data": func(m map[string]any) { m["data"] = map[string]any{"reason": "x", "payload": "y"} },
		"origin unknown":                    func(m map[string]any) { data(m)["origin"] = "found" },
		"origin empty":                      func(m map[string]any) { data(m)["origin"] = "" },
	}
	for name, breakIt := range tests {
		m := asMap(t, finishedExport())
		breakIt(m)
		b, _ := json.Marshal(m)
		if err := v.Event(b); err == nil {
			t.Errorf("%s: accepted %s", name, b)
		}
	}
	for _, raw := range []string{``, `[]`, `{}`, `{"dataschema":"urn:taskpoller:events:v1:finished"}`} {
		if err := v.Event([]byte(raw)); err == nil {
			t.Errorf("accepted %q", raw)
		}
	}
}

func failed(m map[string]any) {
	m["type"], m["dataschema"] = events.TypeFailed, events.KindFailed.DataSchema()
	m["data"].(map[string]any)["reason"] = string(events.ReasonTaskFailed)
	m["data"].(map[string]any)["task_status"] = "Failed"
}

// timedOut makes m a timeout whose data is otherwise valid.
func timedOut(m map[string]any) {
	failed(m)
	m["data"].(map[string]any)["reason"] = string(events.ReasonTimeout)
	m["data"].(map[string]any)["task_status"] = "Processing"
}

func progress(m map[string]any) {
	m["type"], m["dataschema"] = events.TypeProgress, events.KindProgress.DataSchema()
	m["id"] = "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/progress/3/Finished/100%"
}

func statusChanged(m map[string]any) {
	m["type"], m["dataschema"] = events.TypeStatusChanged, events.KindStatusChanged.DataSchema()
	m["id"] = "cn-hangzhou/t-bp1hc3ejzkd8zy3g0x5j/status/3/Finished"
}

func invalid(m map[string]any) {
	inv := events.NewInvalid(1, []byte("junk"), events.ErrInvalidRegistration, time.Now())
	for k := range m {
		delete(m, k)
	}
	b, _ := json.Marshal(inv)
	_ = json.Unmarshal(b, &m)
}
