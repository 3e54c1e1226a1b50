package ecsemu_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// ctl sends a control request and decodes the JSON answer into out.
func ctl(t *testing.T, srv *ecsemu.Server, method, path, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

func TestControlSurface(t *testing.T) {
	srv := newEmulator(t)
	defer http.DefaultClient.CloseIdleConnections()
	c := newClient(t, srv, clientOpts{})

	var created struct {
		TaskID string `json:"task_id"`
	}
	st := ctl(t, srv, "POST", "/_emulator/tasks", `{"region_id":"cn-hangzhou","action":"ExportImage",
		"steps":[{"status":"Processing","process":"10%","for":"1h"},{"status":"Finished"}]}`, &created)
	if st != http.StatusCreated || !strings.HasPrefix(created.TaskID, "t-") {
		t.Fatalf("POST tasks: %d %+v", st, created)
	}
	b, err := describe(c, "cn-hangzhou", created.TaskID)
	if err != nil || tea.StringValue(b.TaskProcess) != "10%" {
		t.Fatalf("scripted task: %v %v", b, err)
	}
	var calls []ecsemu.Call
	if st := ctl(t, srv, "GET", "/_emulator/tasks/"+created.TaskID+"/calls", "", &calls); st != 200 || len(calls) != 1 || calls[0].Code != "OK" {
		t.Errorf("GET calls: %d %+v", st, calls)
	}
	if st := ctl(t, srv, "POST", "/_emulator/tasks", `{"region_id":"nowhere","steps":[{"status":"Finished"}]}`, nil); st != 400 {
		t.Errorf("bad script: %d, want 400", st)
	}

	var f ecsemu.Faults
	if st := ctl(t, srv, "PUT", "/_emulator/faults", `{"throttle":1,"latency":"1ms","actions":["DescribeTasks"]}`, &f); st != 200 || f.Throttle != 1 {
		t.Errorf("PUT faults: %d %+v", st, f)
	}
	if _, err := c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou")}); err == nil {
		t.Errorf("DescribeTasks not throttled")
	}
	if st := ctl(t, srv, "PUT", "/_emulator/faults", `{"throttle":0.7,"internal":0.7}`, nil); st != 400 {
		t.Errorf("rates over 1: %d, want 400", st)
	}
	if st := ctl(t, srv, "GET", "/_emulator/faults", "", &f); st != 200 || f.Latency.Milliseconds() != 1 {
		t.Errorf("GET faults: %d %+v", st, f)
	}
	ctl(t, srv, "PUT", "/_emulator/faults", `{}`, nil)

	if st := ctl(t, srv, "POST", "/_emulator/images", `{"region_id":"cn-hangzhou","image_id":"m-x","data_disks":1}`, nil); st != 201 {
		t.Errorf("POST images: %d", st)
	}
	if st := ctl(t, srv, "PUT", "/_emulator/quotas", `{"DescribeTasks":100}`, nil); st != 200 {
		t.Errorf("PUT quotas: %d", st)
	}
	if st := ctl(t, srv, "PUT", "/_emulator/denied/"+ecsemu.DefaultAccessKeyID, "", nil); st != 204 {
		t.Errorf("PUT denied: %d", st)
	}
	if _, err := describe(c, "cn-hangzhou", created.TaskID); err == nil {
		t.Errorf("denied key not refused")
	} else if code, _ := sdkCode(t, err); code != "Forbidden.RAM" {
		t.Errorf("denied key: %s", code)
	}
	ctl(t, srv, "DELETE", "/_emulator/denied/"+ecsemu.DefaultAccessKeyID, "", nil)

	var stats ecsemu.Stats
	if st := ctl(t, srv, "GET", "/_emulator/stats", "", &stats); st != 200 || stats.Actions["DescribeTaskAttribute"] != 2 ||
		stats.Codes["Forbidden.RAM"] != 1 || stats.Tasks[created.TaskID] != 2 {
		t.Errorf("stats: %d %+v", st, stats)
	}
	if st := ctl(t, srv, "GET", "/_emulator/healthz", "", nil); st != 200 {
		t.Errorf("healthz: %d", st)
	}
	if st := ctl(t, srv, "GET", "/_emulator/nothing", "", nil); st != 404 {
		t.Errorf("unknown control path: %d, want 404", st)
	}
}
