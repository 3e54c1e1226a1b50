package ecsemu_test

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// TestControlTaskEnd: GET /_emulator/tasks/{id}/end answers 404 until the task has ended,
// then the end TaskEnd knows, to the nanosecond; an unknown task is 404.
func TestControlTaskEnd(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 12, 4, 1, 0, 0, 123456789, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	srv := newEmulator(t, ecsemu.WithClock(clock), ecsemu.WithTimeScale(1))
	defer http.DefaultClient.CloseIdleConnections()
	id, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Waiting: time.Second, Processing: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		TaskID string    `json:"task_id"`
		End    time.Time `json:"end"`
	}
	if st := ctl(t, srv, "GET", "/_emulator/tasks/"+id+"/end", "", nil); st != http.StatusNotFound {
		t.Errorf("before its end: %d, want 404", st)
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if st := ctl(t, srv, "GET", "/_emulator/tasks/"+id+"/end", "", &got); st != http.StatusOK {
		t.Fatalf("after its end: %d, want 200", st)
	}
	want := time.Date(2026, 12, 4, 1, 0, 3, 123456789, time.UTC)
	if got.TaskID != id || !got.End.Equal(want) {
		t.Errorf("got %s ended %s, want %s ended %s", got.TaskID, got.End, id, want)
	}
	if st := ctl(t, srv, "GET", "/_emulator/tasks/t-unknown/end", "", nil); st != http.StatusNotFound {
		t.Errorf("unknown task: %d, want 404", st)
	}
}
