package ecsemu_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// manualClock is a server clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestTimedTaskLifecycleAndEnd(t *testing.T) {
	start := time.Now()
	clock := &manualClock{now: start}
	srv := newEmulator(t, ecsemu.WithClock(clock.Now), ecsemu.WithTimeScale(2))
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Waiting: 2 * time.Second, Processing: 8 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// Scaled by 2: Waiting for 1 s, Processing for 4 s, Finished from 5 s.
	for _, step := range []struct {
		at              time.Duration
		status, process string
	}{
		{0, "Waiting", "0%"},
		{999 * time.Millisecond, "Waiting", "0%"},
		{time.Second, "Processing", "0%"},
		{3 * time.Second, "Processing", "50%"},
		{5*time.Second - time.Nanosecond, "Processing", "99%"},
		{5 * time.Second, "Finished", "100%"},
		{time.Minute, "Finished", "100%"},
	} {
		clock.set(start.Add(step.at))
		b, err := describe(c, "cn-hangzhou", id)
		if err != nil {
			t.Fatalf("at %s: %v", step.at, err)
		}
		if got := tea.StringValue(b.TaskStatus) + " " + tea.StringValue(b.TaskProcess); got != step.status+" "+step.process {
			t.Errorf("at %s: got %s, want %s %s", step.at, got, step.status, step.process)
		}
		end, ok := srv.TaskEnd(id)
		if wantOK := step.status == "Finished"; ok != wantOK {
			t.Errorf("at %s: TaskEnd ok = %v, want %v", step.at, ok, wantOK)
		}
		if ok && !end.Equal(start.Add(5*time.Second)) {
			t.Errorf("at %s: TaskEnd = %s, want start+5s", step.at, end.Sub(start))
		}
		if step.status == "Finished" && !strings.Contains(strings.Join(items(b), " "), "OSSObject=") {
			t.Errorf("finished export without OSSObject: %v", items(b))
		}
	}
	if _, ok := srv.TaskEnd("t-unknown"); ok {
		t.Error("TaskEnd of an unknown task: ok")
	}
}

func TestAddTimedTaskRefusesBadInput(t *testing.T) {
	srv := newEmulator(t)
	for _, tt := range []ecsemu.TimedTask{
		{RegionID: "mars-1", Processing: time.Second},
		{RegionID: "cn-hangzhou", Processing: -time.Second},
		{RegionID: "cn-hangzhou", Action: "CancelTask"},
	} {
		if _, err := srv.AddTimedTask(tt); err == nil {
			t.Errorf("AddTimedTask(%+v): no error", tt)
		}
	}
}

// DescribeTasks with TaskIds looks the tasks up (it does not scan every task) and answers as
// the scan does: newest first, only those of the region, with their status.
func TestDescribeTasksByIDsNewestFirst(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	var ids []string
	for i := range 5 {
		id, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Processing: time.Duration(i) * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	other, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-beijing", Processing: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-hangzhou"), PageSize: tea.Int32(100),
		TaskIds: tea.String(strings.Join([]string{ids[1], ids[0], ids[3], other, "t-unknown"}, ","))})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tk := range resp.Body.TaskSet.Task {
		got = append(got, tea.StringValue(tk.TaskId)+" "+tea.StringValue(tk.TaskStatus))
	}
	want := []string{ids[3] + " Processing", ids[1] + " Processing", ids[0] + " Finished"}
	if strings.Join(got, ",") != strings.Join(want, ",") || tea.Int32Value(resp.Body.TotalCount) != 3 {
		t.Errorf("got %v (total %d), want %v", got, tea.Int32Value(resp.Body.TotalCount), want)
	}
}
