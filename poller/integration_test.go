package poller_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

func kinds(evs []stored) []string {
	out := make([]string, 0, len(evs))
	for _, s := range evs {
		out = append(out, s.Event.Type+":"+s.Event.Data.TaskStatus+":"+s.Event.Data.TaskProcess)
	}
	return out
}

func TestExportFinishesWithOSSObjects(t *testing.T) {
	e := newEnv(t)
	_, js := e.connect()
	col := e.collect(js)
	id, err := e.emu.AddTask(ecsemu.Script{RegionID: region, Action: "ExportImage", Steps: []ecsemu.Step{
		{Status: "Waiting", Process: "0%", Times: 2},
		{Status: "Processing", Process: "40%", Times: 2},
		{Status: "Processing", Process: "80%", Times: 1},
		{Status: "Finished", Process: "100%", Operations: []ecsemu.Operation{{Status: "Success", Items: []ecsemu.Item{
			{Name: "OSSBucket", Value: "my-bucket"},
			{Name: "OSSObject", Value: "pre_m-1_t-1.qcow2"},
			{Name: "OSSObject", Value: "pre_m-1_t-1_data1.qcow2"},
			{Name: "ImageFormat", Value: "qcow2"},
		}}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	e.startWorker(fastConfig())
	e.register(js, id, `{"ticket":"OPS-1","n":2}`)
	term := col.waitTerminal(t, 10*time.Second, id)[id]

	got := kinds(col.forTask(id))
	want := []string{
		"ecs.task.status_changed:Waiting:0%", "ecs.task.progress:Waiting:0%",
		"ecs.task.status_changed:Processing:40%", "ecs.task.progress:Processing:40%",
		"ecs.task.progress:Processing:80%",
		"ecs.task.status_changed:Finished:100%", "ecs.task.progress:Finished:100%", "ecs.task.finished:Finished:100%",
	}
	if len(got) != len(want) {
		t.Fatalf("events = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %s, want %s", i, got[i], want[i])
		}
	}
	if want := e.subjects.Prefix() + ".finished." + region + ".ExportImage." + id; term.Subject != want {
		t.Errorf("subject = %q, want %q", term.Subject, want)
	}
	d := term.Event.Data
	if len(d.OSSObjects) != 2 || d.OSSObjects[0] != "pre_m-1_t-1.qcow2" || d.OSSObjects[1] != "pre_m-1_t-1_data1.qcow2" {
		t.Errorf("oss_objects = %v", d.OSSObjects)
	}
	if d.OSSBucket != "my-bucket" || d.PreviousStatus != "Processing" || d.TaskAction != "ExportImage" || d.Reason != "" {
		t.Errorf("data = %+v", d)
	}
	if string(d.Metadata) != `{"ticket":"OPS-1","n":2}` {
		t.Errorf("metadata = %s", d.Metadata)
	}
	if term.Header.Get("Content-Type") != events.ContentType || term.Header.Get("Nats-Msg-Id") != term.Event.ID {
		t.Errorf("headers = %v, id %s", term.Header, term.Event.ID)
	}
	if term.Event.SpecVersion != "1.0" || term.Event.Source == "" || term.Event.Time.IsZero() {
		t.Errorf("envelope = %+v", term.Event)
	}
	// First status_changed has an empty previous_status.
	first := col.forTask(id)[0]
	var raw struct{ Data map[string]any }
	if err := json.Unmarshal(first.Raw, &raw); err != nil {
		t.Fatal(err)
	}
	if p, ok := raw.Data["previous_status"]; !ok || p != "" {
		t.Errorf("first previous_status = %v (present %v), want empty string", p, ok)
	}
}
