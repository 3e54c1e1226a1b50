package ecsemu_test

import (
	"testing"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// TestSampleResponse scripts a task so that DescribeTaskAttribute answers
// the API page's sample, and compares every field through the SDK model.
func TestSampleResponse(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	yes := true
	id, err := srv.AddTask(ecsemu.Script{
		RegionID: "cn-hangzhou", TaskID: "t-ce946ntx4wr****", Action: "ExportImage",
		CreationTime: "2015-11-23T02:13Z", FinishedTime: "2015-11-23T02:19Z", SupportCancel: &yes,
		Steps: []ecsemu.Step{{
			Status: "Finished", Process: "100%", RequestID: "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E",
			Operations: []ecsemu.Operation{{
				Status: "Success", ErrorCode: "ParameterInvalid", ErrorMsg: "The specified RegionId parameter is invalid.",
				Items: []ecsemu.Item{{Name: "OSSObject", Value: "MYOSSPRE_m-23f8tcp***_t-23ym6mv***.vhd"}},
			}},
		}},
	})
	if err != nil {
		t.Fatalf("AddTask: %v", err)
	}
	b, err := describe(c, "cn-hangzhou", id)
	if err != nil {
		t.Fatalf("DescribeTaskAttribute: %v", err)
	}
	strs := []struct{ name, got, want string }{
		{"CreationTime", tea.StringValue(b.CreationTime), "2015-11-23T02:13Z"},
		{"SupportCancel", tea.StringValue(b.SupportCancel), "true"},
		{"RegionId", tea.StringValue(b.RegionId), "cn-hangzhou"},
		{"TaskAction", tea.StringValue(b.TaskAction), "ExportImage"},
		{"RequestId", tea.StringValue(b.RequestId), "473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E"},
		{"TaskStatus", tea.StringValue(b.TaskStatus), "Finished"},
		{"TaskProcess", tea.StringValue(b.TaskProcess), "100%"},
		{"FinishedTime", tea.StringValue(b.FinishedTime), "2015-11-23T02:19Z"},
		{"TaskId", tea.StringValue(b.TaskId), "t-ce946ntx4wr****"},
	}
	for _, s := range strs {
		if s.got != s.want {
			t.Errorf("%s = %q, want %q", s.name, s.got, s.want)
		}
	}
	ints := []struct {
		name      string
		got, want int32
	}{
		{"TotalCount", tea.Int32Value(b.TotalCount), 1},
		{"SuccessCount", tea.Int32Value(b.SuccessCount), 1},
		{"FailedCount", tea.Int32Value(b.FailedCount), 0},
	}
	for _, s := range ints {
		if s.got != s.want {
			t.Errorf("%s = %d, want %d", s.name, s.got, s.want)
		}
	}
	if b.OperationProgressSet == nil || len(b.OperationProgressSet.OperationProgress) != 1 {
		t.Fatalf("OperationProgressSet = %v, want one OperationProgress", b.OperationProgressSet)
	}
	op := b.OperationProgressSet.OperationProgress[0]
	if got := tea.StringValue(op.ErrorMsg); got != "The specified RegionId parameter is invalid." {
		t.Errorf("ErrorMsg = %q", got)
	}
	if got := tea.StringValue(op.ErrorCode); got != "ParameterInvalid" {
		t.Errorf("ErrorCode = %q", got)
	}
	if got := tea.StringValue(op.OperationStatus); got != "Success" {
		t.Errorf("OperationStatus = %q", got)
	}
	if op.RelatedItemSet == nil || len(op.RelatedItemSet.RelatedItem) != 1 {
		t.Fatalf("RelatedItemSet = %v, want one RelatedItem", op.RelatedItemSet)
	}
	it := op.RelatedItemSet.RelatedItem[0]
	if tea.StringValue(it.Name) != "OSSObject" || tea.StringValue(it.Value) != "MYOSSPRE_m-23f8tcp***_t-23ym6mv***.vhd" {
		t.Errorf("RelatedItem = %s=%s", tea.StringValue(it.Name), tea.StringValue(it.Value))
	}
}
