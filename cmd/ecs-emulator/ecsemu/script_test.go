package ecsemu_test

import (
	"encoding/json"
	"errors"
	"net/url"
	"strconv"
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// TestScriptSteps checks that each step is answered Times calls, error steps
// answer the real error (through the SDK), and the last step is held.
func TestScriptSteps(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTask(ecsemu.Script{RegionID: "ap-southeast-1", Action: "ImportImage", Steps: []ecsemu.Step{
		{Status: "Waiting", Times: 2},
		{Error: "Throttling.User"},
		{Error: "ServiceUnavailable"},
		{Error: "InternalError"},
		{Error: "BadGateway"},
		{Error: "Drop"},
		{Error: "Forbidden.RAM"},
		{Status: "Processing", Process: "45%", Times: 1},
		{Status: "Failed", Process: "45%", Operations: []ecsemu.Operation{{Status: "Failed", ErrorCode: "ImageCheckFailed", ErrorMsg: "bad image"}}},
	}})
	if err != nil {
		t.Fatalf("AddTask: %v", err)
	}
	want := []string{"Waiting 0%", "Waiting 0%", "Throttling.User 400", "ServiceUnavailable 503", "InternalError 500",
		"syntax", "url", "Forbidden.RAM 403", "Processing 45%", "Failed 45%", "Failed 45%"}
	for i, w := range want {
		b, err := describe(c, "ap-southeast-1", id)
		var got string
		var se *tea.SDKError
		var syn *json.SyntaxError
		var ue *url.Error
		switch {
		case err == nil:
			got = tea.StringValue(b.TaskStatus) + " " + tea.StringValue(b.TaskProcess)
		case errors.As(err, &se):
			got = tea.StringValue(se.Code) + " " + strconv.Itoa(tea.IntValue(se.StatusCode))
		case errors.As(err, &syn):
			got = "syntax"
		case errors.As(err, &ue):
			got = "url"
		default:
			got = err.Error()
		}
		if got != w {
			t.Errorf("call %d: got %q (%v), want %q", i+1, got, err, w)
		}
	}
	b, err := describe(c, "ap-southeast-1", id)
	if err != nil || tea.Int32Value(b.FailedCount) != 1 || tea.StringValue(b.OperationProgressSet.OperationProgress[0].ErrorCode) != "ImageCheckFailed" {
		t.Errorf("failed answer %v %v", b, err)
	}
	calls := srv.Calls(id)
	if len(calls) != len(want)+1 {
		t.Fatalf("Calls = %d, want %d", len(calls), len(want)+1)
	}
	if calls[2].Code != "Throttling.User" || calls[0].Code != "OK" || calls[0].RegionID != "ap-southeast-1" {
		t.Errorf("calls %+v", calls[:3])
	}
	for i := 1; i < len(calls); i++ {
		if calls[i].Time.Before(calls[i-1].Time) {
			t.Errorf("call times out of order at %d", i)
		}
	}
	if n := srv.TaskCallCount(id); n != len(calls) {
		t.Errorf("TaskCallCount = %d, want %d", n, len(calls))
	}
	if n := srv.CodeCount("Throttling.User"); n != 1 {
		t.Errorf("CodeCount(Throttling.User) = %d, want 1", n)
	}
}

// TestScriptFor checks a step held for a wall-clock duration.
func TestScriptFor(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{
		{Status: "Processing", Process: "50%", For: 50 * time.Millisecond},
		{Status: "Finished"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	b, _ := pollUntilTerminal(t, c, "cn-hangzhou", id)
	if el := time.Since(start); el < 50*time.Millisecond {
		t.Errorf("finished after %v, want >= 50ms", el)
	}
	if tea.StringValue(b.FinishedTime) == "" || tea.Int32Value(b.SuccessCount) != 1 {
		t.Errorf("finished answer %v", b)
	}
}

func TestAddTaskValidation(t *testing.T) {
	srv := newEmulator(t)
	for name, sc := range map[string]ecsemu.Script{
		"unknown region": {RegionID: "mars-1", Steps: []ecsemu.Step{{Status: "Finished"}}},
		"no steps":       {RegionID: "cn-hangzhou"},
		"bad status":     {RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Done"}}},
	} {
		if _, err := srv.AddTask(sc); err == nil {
			t.Errorf("%s: AddTask succeeded", name)
		}
	}
	sc := ecsemu.Script{RegionID: "cn-hangzhou", TaskID: "t-fixed", Steps: []ecsemu.Step{{Status: "Finished"}}}
	if _, err := srv.AddTask(sc); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.AddTask(sc); err == nil {
		t.Errorf("duplicate TaskID accepted")
	}
}

func TestDescribeTasksPaging(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	var ids []string
	for i := range 25 {
		st := "Processing"
		if i%5 == 0 {
			st = "Finished"
		}
		id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-qingdao", Steps: []ecsemu.Step{{Status: st}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if _, err := srv.AddTask(ecsemu.Script{RegionID: "cn-beijing", Steps: []ecsemu.Step{{Status: "Finished"}}}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for page := int32(1); page <= 3; page++ {
		resp, err := c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-qingdao"), PageNumber: tea.Int32(page), PageSize: tea.Int32(10)})
		if err != nil {
			t.Fatalf("page %d: %v", page, err)
		}
		b := resp.Body
		if tea.Int32Value(b.TotalCount) != 25 || tea.Int32Value(b.PageNumber) != page || tea.Int32Value(b.PageSize) != 10 {
			t.Errorf("page %d header %v", page, b)
		}
		wantLen := 10
		if page == 3 {
			wantLen = 5
		}
		if got := len(b.TaskSet.Task); got != wantLen {
			t.Errorf("page %d has %d tasks, want %d", page, got, wantLen)
		}
		for _, task := range b.TaskSet.Task {
			seen[tea.StringValue(task.TaskId)] = true
		}
	}
	if len(seen) != 25 {
		t.Errorf("pages covered %d distinct tasks, want 25", len(seen))
	}
	resp, err := c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-qingdao"), TaskStatus: tea.String("Finished"), PageSize: tea.Int32(100)})
	if err != nil || tea.Int32Value(resp.Body.TotalCount) != 5 {
		t.Errorf("Finished filter: %v %v, want 5", resp, err)
	}
	resp, err = c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-qingdao"), TaskIds: tea.String(ids[3] + "," + ids[7] + ",t-unknown")})
	if err != nil || tea.Int32Value(resp.Body.TotalCount) != 2 {
		t.Errorf("TaskIds filter: %v %v, want 2", resp, err)
	}
	resp, err = c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-qingdao"), TaskAction: tea.String("ImportImage")})
	if err != nil || tea.Int32Value(resp.Body.TotalCount) != 0 || resp.Body.TaskSet == nil {
		t.Errorf("TaskAction filter: %v %v, want 0 and an empty TaskSet", resp, err)
	}
}
