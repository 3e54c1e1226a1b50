package poller_test

import (
	"context"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Through the real SDK and the emulator, DescribeTasks sees an export end long before the
// task's backoff would, and the finished event names the exported image (resource_id).
func TestBatchThroughTheSDK(t *testing.T) {
	e := newEnv(t, ecsemu.WithDurations("ExportImage", 200*time.Millisecond, 500*time.Millisecond))
	_, js := e.connect()
	col := e.collect(js)
	const image = "m-bp1batchtest000000001"
	id, err := e.api.ExportImage(context.Background(), region, image, "images", "pre", "qcow2")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fastConfig()
	cfg.PollInitial, cfg.PollMax, cfg.BatchInterval = 20*time.Second, 20*time.Second, 100*time.Millisecond
	e.startWorker(cfg)
	e.register(js, id, "")
	ev := col.waitTerminal(t, 15*time.Second, id)[id]
	if ev.Event.Type != "ecs.task.finished" || ev.Event.Data.ResourceID != image || len(ev.Event.Data.OSSObjects) == 0 {
		t.Errorf("terminal %s resource %q objects %v; want finished, %s, the exported objects", ev.Event.Type, ev.Event.Data.ResourceID, ev.Event.Data.OSSObjects, image)
	}
	// One look at registration, then one per change DescribeTasks saw (Processing, Finished).
	if n := len(e.emu.Calls(id)); n > 4 {
		t.Errorf("%d DescribeTaskAttribute calls, want at most 4", n)
	}
}
