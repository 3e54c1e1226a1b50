package ecsemu_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// pollUntilTerminal polls id through the SDK until a terminal status or the
// deadline, returning the last answer and every TaskProcess seen.
func pollUntilTerminal(t *testing.T, c *ecs.Client, region, id string) (*ecs.DescribeTaskAttributeResponseBody, []string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	var seen []string
	for {
		b, err := describe(c, region, id)
		if err != nil {
			t.Fatalf("DescribeTaskAttribute(%s): %v", id, err)
		}
		seen = append(seen, tea.StringValue(b.TaskStatus)+" "+tea.StringValue(b.TaskProcess))
		switch tea.StringValue(b.TaskStatus) {
		case "Finished", "Failed", "Deleted":
			return b, seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("task %s not terminal by the deadline; seen %v", id, seen)
		}
		<-tick.C
	}
}

func items(b *ecs.DescribeTaskAttributeResponseBody) []string {
	var out []string
	for _, op := range b.OperationProgressSet.OperationProgress {
		for _, it := range op.RelatedItemSet.RelatedItem {
			out = append(out, tea.StringValue(it.Name)+"="+tea.StringValue(it.Value))
		}
	}
	return out
}

func TestExportImageLifecycle(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithTimeScale(3000)) // 21 minutes in 0.42 s
	srv.AddImage("cn-shanghai", "m-withdata", 2)
	c := newClient(t, srv, clientOpts{})
	for _, tc := range []struct {
		name, image string
		want        []string
	}{
		{"system disk only", "m-plain", []string{"OSSBucket=bkt", "OSSObject=PRE_m-plain_%s.qcow2", "ImageFormat=qcow2"}},
		{"two data disks", "m-withdata", []string{"OSSBucket=bkt", "OSSObject=PRE_m-withdata_%s.qcow2",
			"OSSObject=PRE_m-withdata_%s_data1.qcow2", "OSSObject=PRE_m-withdata_%s_data2.qcow2", "ImageFormat=qcow2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-shanghai"), ImageId: tea.String(tc.image),
				OSSBucket: tea.String("bkt"), OSSPrefix: tea.String("PRE"), ImageFormat: tea.String("qcow2")})
			if err != nil {
				t.Fatalf("ExportImage: %v", err)
			}
			id := tea.StringValue(resp.Body.TaskId)
			if len(id) != 22 || !strings.HasPrefix(id, "t-") || tea.StringValue(resp.Body.RegionId) != "cn-shanghai" || tea.StringValue(resp.Body.RequestId) == "" {
				t.Fatalf("ExportImage answer %v", resp.Body)
			}
			b, seen := pollUntilTerminal(t, c, "cn-shanghai", id)
			if tea.StringValue(b.TaskStatus) != "Finished" || tea.StringValue(b.TaskProcess) != "100%" || tea.Int32Value(b.SuccessCount) != 1 {
				t.Fatalf("final answer %v", b)
			}
			if !strings.HasPrefix(seen[0], "Waiting") && !strings.HasPrefix(seen[0], "Processing") {
				t.Errorf("first status %q, want Waiting or Processing", seen[0])
			}
			var want []string
			for _, w := range tc.want {
				if strings.Contains(w, "%s") {
					w = fmt.Sprintf(w, id)
				}
				want = append(want, w)
			}
			if got := items(b); strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("RelatedItems = %v, want %v", got, want)
			}
		})
	}
}

func TestExportImageFailBucket(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithTimeScale(3000))
	c := newClient(t, srv, clientOpts{})
	resp, err := c.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-hangzhou"), ImageId: tea.String("m-1"),
		OSSBucket: tea.String("fail-bucket"), OSSPrefix: tea.String("x")})
	if err != nil {
		t.Fatalf("ExportImage: %v", err)
	}
	b, _ := pollUntilTerminal(t, c, "cn-hangzhou", tea.StringValue(resp.Body.TaskId))
	op := b.OperationProgressSet.OperationProgress
	if tea.StringValue(b.TaskStatus) != "Failed" || tea.Int32Value(b.FailedCount) != 1 || len(op) != 1 ||
		tea.StringValue(op[0].OperationStatus) != "Failed" || tea.StringValue(op[0].ErrorCode) != "InvalidOSSBucket.NotFound" {
		t.Fatalf("answer %v, want Failed with InvalidOSSBucket.NotFound", b)
	}
}

func TestImportImageAndModifyDiskSpec(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithTimeScale(5000))
	c := newClient(t, srv, clientOpts{})
	mapping := func(obj string) []*ecs.ImportImageRequestDiskDeviceMapping {
		return []*ecs.ImportImageRequestDiskDeviceMapping{{OSSBucket: tea.String("b"), OSSObject: tea.String(obj), Format: tea.String("qcow2")}}
	}
	for _, tc := range []struct{ obj, status string }{{"disk.qcow2", "Finished"}, {"fail-disk.qcow2", "Failed"}} {
		resp, err := c.ImportImage(&ecs.ImportImageRequest{RegionId: tea.String("eu-central-1"), ImageName: tea.String("img"), DiskDeviceMapping: mapping(tc.obj)})
		if err != nil {
			t.Fatalf("ImportImage: %v", err)
		}
		if !strings.HasPrefix(tea.StringValue(resp.Body.ImageId), "m-") {
			t.Errorf("ImageId = %q", tea.StringValue(resp.Body.ImageId))
		}
		b, _ := pollUntilTerminal(t, c, "eu-central-1", tea.StringValue(resp.Body.TaskId))
		if got := tea.StringValue(b.TaskStatus); got != tc.status {
			t.Errorf("import of %s ended %s, want %s", tc.obj, got, tc.status)
		}
	}
	md, err := c.ModifyDiskSpec(&ecs.ModifyDiskSpecRequest{DiskId: tea.String("d-1"), DiskCategory: tea.String("cloud_essd"), PerformanceLevel: tea.String("PL2")})
	if err != nil {
		t.Fatalf("ModifyDiskSpec: %v", err)
	}
	if tea.StringValue(md.Body.OrderId) == "" {
		t.Errorf("no OrderId")
	}
	b, _ := pollUntilTerminal(t, c, "cn-hangzhou", tea.StringValue(md.Body.TaskId))
	if tea.StringValue(b.TaskStatus) != "Finished" || tea.StringValue(b.TaskAction) != "ModifyDiskSpec" {
		t.Errorf("ModifyDiskSpec task %v", b)
	}
	if _, err := c.ModifyDiskSpec(&ecs.ModifyDiskSpecRequest{DiskId: tea.String("d-2"), DiskCategory: tea.String("cloud_auto")}); err != nil {
		t.Fatalf("ModifyDiskSpec: %v", err)
	}
	list, err := c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou"), ResourceIds: []*string{tea.String("d-1")}})
	if err != nil || tea.Int32Value(list.Body.TotalCount) != 1 || tea.StringValue(list.Body.TaskSet.Task[0].ResourceId) != "d-1" {
		t.Errorf("DescribeTasks by ResourceIds: %v %v", list, err)
	}
}

func TestCancelTask(t *testing.T) {
	srv := newEmulator(t) // time scale 1: the export stays in Waiting
	c := newClient(t, srv, clientOpts{})
	resp, err := c.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-beijing"), ImageId: tea.String("m-1"), OSSBucket: tea.String("b")})
	if err != nil {
		t.Fatalf("ExportImage: %v", err)
	}
	id := tea.StringValue(resp.Body.TaskId)
	cancel := func(region, id string) error {
		_, err := c.CancelTask(&ecs.CancelTaskRequest{RegionId: tea.String(region), TaskId: tea.String(id)})
		return err
	}
	if err := cancel("cn-beijing", id); err != nil {
		t.Fatalf("CancelTask: %v", err)
	}
	b, err := describe(c, "cn-beijing", id)
	if err != nil || tea.StringValue(b.TaskStatus) != "Deleted" {
		t.Fatalf("after cancel: %v %v, want Deleted", b, err)
	}
	md, err := c.ModifyDiskSpec(&ecs.ModifyDiskSpecRequest{DiskId: tea.String("d-1"), DiskCategory: tea.String("cloud_essd")})
	if err != nil {
		t.Fatalf("ModifyDiskSpec: %v", err)
	}
	for _, tc := range []struct {
		name, region, id, code string
		status                 int
	}{
		{"already canceled", "cn-beijing", id, "InvalidTaskId.IncorrectTaskStatus", 403},
		{"other action", "cn-beijing", tea.StringValue(md.Body.TaskId), "InvalidTaskId.TaskActionNotSupport", 403},
		{"unknown task", "cn-beijing", "t-doesnotexist0000000", "InvalidTaskId.NotFound", 400},
		{"wrong region", "cn-hangzhou", id, "InvalidTaskId.NotFound", 400},
		{"no task id", "cn-beijing", "", "MissingParameter", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, status := sdkCode(t, cancel(tc.region, tc.id))
			if code != tc.code || status != tc.status {
				t.Errorf("got %s %d, want %s %d", code, status, tc.code, tc.status)
			}
		})
	}
}
