package ecsapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// CancelTask through the SDK: a running export is canceled (ECS then reports it Deleted);
// refusals come back as API errors with ECS's codes.
func TestCancelTask(t *testing.T) {
	emu, err := ecsemu.New(ecsemu.WithCredentials("ak", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	running := []ecsemu.Step{{Status: "Processing", Process: "30%"}}
	export, err := emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: "ExportImage", Steps: running})
	if err != nil {
		t.Fatal(err)
	}
	disk, err := emu.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: "ModifyDiskSpec", Steps: running})
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, "ak", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.CancelTask(ctx, "cn-hangzhou", export); err != nil {
		t.Fatalf("cancel a running export: %v", err)
	}
	if task, err := c.DescribeTask(ctx, "cn-hangzhou", export); err != nil || task.Status != poller.StatusDeleted {
		t.Errorf("after CancelTask: %+v, %v; want status Deleted", task, err)
	}
	for _, tt := range []struct {
		name, task, code string
		status           int
	}{
		{"canceled already", export, poller.CodeIncorrectTaskStatus, 403},
		{"not an import or export", disk, poller.CodeTaskActionNotSupport, 403},
		{"unknown", "t-nosuchtask0000000000", "InvalidTaskId.NotFound", 400},
	} {
		err := c.CancelTask(ctx, "cn-hangzhou", tt.task)
		var api *poller.APIError
		if !errors.As(err, &api) || api.Code != tt.code || api.StatusCode != tt.status {
			t.Errorf("%s: %v, want %s (%d)", tt.name, err, tt.code, tt.status)
		}
	}
}
