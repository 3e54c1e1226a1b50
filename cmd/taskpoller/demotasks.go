package main

import (
	"context"
	"fmt"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// demoTask is one task the demo starts.
type demoTask struct {
	ID     string
	Action string
	What   string // what the task does, for people
	Expect string // the outcome the demo expects
	Cancel bool   // the demo cancels it once it is processing
	// Unregistered: the demo never registers it, as a task started from the console would
	// not be; the worker's discovery finds it (taskpoller run --discover-regions).
	Unregistered bool
}

// createDemoTasks starts the demo's tasks on the emulator through the real SDK: two exports
// that finish with OSS objects (one image has a data disk, so two files), one export to a
// bucket that does not exist (fails), an import, a disk spec change, an export the demo
// cancels, and one it never registers, which discovery finds. created is called with each
// task as soon as ECS has started it.
func createDemoTasks(ctx context.Context, emu *ecsemu.Server, api *ecsapi.Client, created func(*demoTask) error) ([]*demoTask, error) {
	emu.AddImage(demoRegion, "m-bp1demoweb0000000001", 1)
	emu.AddImage(demoRegion, "m-bp1demodb00000000002", 0)
	var tasks []*demoTask
	add := func(t *demoTask) error {
		tasks = append(tasks, t)
		return created(t)
	}
	export := func(image, bucket, prefix, format, what, expect string, cancel, unregistered bool) error {
		id, err := api.ExportImage(ctx, demoRegion, image, bucket, prefix, format)
		if err != nil {
			return fmt.Errorf("ExportImage: %w", err)
		}
		return add(&demoTask{ID: id, Action: "ExportImage", What: what, Expect: expect, Cancel: cancel, Unregistered: unregistered})
	}
	if err := export("m-bp1demoweb0000000001", "demo-images", "web", "qcow2", "export web image (2 disks) → qcow2", "finished", false, false); err != nil {
		return nil, err
	}
	if err := export("m-bp1demodb00000000002", "demo-images", "db", "vhd", "export db image → vhd", "finished", false, false); err != nil {
		return nil, err
	}
	if err := export("m-bp1demodb00000000002", "fail-no-such-bucket", "db", "raw", "export to a missing bucket", "failed", false, false); err != nil {
		return nil, err
	}
	imageID, id, err := api.ImportImage(ctx, demoRegion, "ubuntu-24-04-golden", []ecsapi.ImportDisk{
		{OSSBucket: "demo-images", OSSObject: "ubuntu-24.04.qcow2", Format: "QCOW2", SizeGiB: 40},
	})
	if err != nil {
		return nil, fmt.Errorf("ImportImage: %w", err)
	}
	if err := add(&demoTask{ID: id, Action: "ImportImage", What: "import ubuntu.qcow2 as " + imageID, Expect: "finished"}); err != nil {
		return nil, err
	}
	id, err = api.ModifyDiskSpec(ctx, demoRegion, "d-bp1demodisk000000001", "cloud_essd")
	if err != nil {
		return nil, fmt.Errorf("ModifyDiskSpec: %w", err)
	}
	if err := add(&demoTask{ID: id, Action: "ModifyDiskSpec", What: "disk → cloud_essd", Expect: "finished"}); err != nil {
		return nil, err
	}
	if err := export("m-bp1demoweb0000000001", "demo-images", "oops", "raw", "export, then CancelTask", "failed", true, false); err != nil {
		return nil, err
	}
	if err := export("m-bp1demodb00000000002", "demo-images", "console", "raw", "export from the console: never registered", "finished", false, true); err != nil {
		return nil, err
	}
	return tasks, nil
}
