package ecsemu_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// DescribeTasks without TaskIds lists a region's tasks by creation time, as discovery uses it.
// These tests move the server clock (manualClock) near the real time, which the SDK signs with.

const (
	secondLayout = "2006-01-02T15:04:05Z" // the documented format of StartTime and EndTime
	minuteLayout = "2006-01-02T15:04Z"    // CreationTime in answers
)

// listing is an emulator whose clock the test moves, from base, the start of the current
// minute (UTC), and an SDK client of it.
type listing struct {
	clock *manualClock
	base  time.Time
	srv   *ecsemu.Server
	c     *ecs.Client
}

func newListing(t *testing.T) *listing {
	t.Helper()
	base := time.Now().UTC().Truncate(time.Minute)
	clock := &manualClock{now: base}
	srv := newEmulator(t, ecsemu.WithClock(clock.Now))
	return &listing{clock: clock, base: base, srv: srv, c: newClient(t, srv, clientOpts{})}
}

// at returns base+d.
func (l *listing) at(d time.Duration) time.Time { return l.base.Add(d) }

// add adds a scripted task of action with status while the server clock reads base+d.
func (l *listing) add(t *testing.T, d time.Duration, action, status string) string {
	t.Helper()
	l.clock.set(l.at(d))
	id, err := l.srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Action: action, Steps: []ecsemu.Step{{Status: status}}})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// series adds n Processing exports, the i-th at base+d(i), and returns their ids newest first.
func (l *listing) series(t *testing.T, n int, d func(i int) time.Duration) []string {
	t.Helper()
	var out []string
	for i := range n {
		out = append(out, l.add(t, d(i), "ExportImage", "Processing"))
	}
	slices.Reverse(out)
	return out
}

// list calls DescribeTasks through the SDK and returns the answer's body.
func list(t *testing.T, c *ecs.Client, req *ecs.DescribeTasksRequest) *ecs.DescribeTasksResponseBody {
	t.Helper()
	if req.RegionId == nil {
		req.RegionId = tea.String("cn-hangzhou")
	}
	resp, err := c.DescribeTasks(req)
	if err != nil {
		t.Fatalf("DescribeTasks(%v): %v", req, err)
	}
	return resp.Body
}

// ids returns the TaskIds of a page, in order.
func ids(b *ecs.DescribeTasksResponseBody) []string {
	var out []string
	for _, tk := range b.TaskSet.Task {
		out = append(out, tea.StringValue(tk.TaskId))
	}
	return out
}

// window is a DescribeTasks request for the creation times from start to end.
func window(start, end time.Time) *ecs.DescribeTasksRequest {
	return &ecs.DescribeTasksRequest{StartTime: tea.String(start.Format(secondLayout)), EndTime: tea.String(end.Format(secondLayout)),
		PageSize: tea.Int32(100)}
}

// Tasks created through the API are listed like any other: nobody registers them anywhere.
func TestListingShowsTasksCreatedThroughTheAPI(t *testing.T) {
	l := newListing(t)
	c := l.c
	l.clock.set(l.at(10 * time.Second))
	exp, err := c.ExportImage(&ecs.ExportImageRequest{RegionId: tea.String("cn-hangzhou"), ImageId: tea.String("m-1"), OSSBucket: tea.String("b")})
	if err != nil {
		t.Fatal(err)
	}
	imp, err := c.ImportImage(&ecs.ImportImageRequest{RegionId: tea.String("cn-hangzhou"), DiskDeviceMapping: []*ecs.ImportImageRequestDiskDeviceMapping{
		{OSSBucket: tea.String("b"), OSSObject: tea.String("o.raw")}}})
	if err != nil {
		t.Fatal(err)
	}
	l.clock.set(l.at(50 * time.Second))
	b := list(t, c, window(l.base, l.at(time.Minute)))
	got := ids(b)
	want := []string{tea.StringValue(imp.Body.TaskId), tea.StringValue(exp.Body.TaskId)} // newest first
	if !slices.Equal(got, want) || tea.Int32Value(b.TotalCount) != 2 {
		t.Fatalf("listed %v (TotalCount %d), want %v", got, tea.Int32Value(b.TotalCount), want)
	}
	for _, tk := range b.TaskSet.Task {
		if got, want := tea.StringValue(tk.CreationTime), l.base.Format(minuteLayout); got != want {
			t.Errorf("CreationTime %q, want %q (to the minute)", got, want)
		}
		if got := tea.StringValue(tk.TaskStatus); got != "Waiting" {
			t.Errorf("TaskStatus %q 40 s after its creation, want Waiting (for its first minute)", got)
		}
	}
}

// StartTime and EndTime are compared with the CreationTime a task answers, to the minute: a
// task created at hh:01:10 counts as created at hh:01:00.
func TestListingByCreationTime(t *testing.T) {
	l := newListing(t)
	c := l.c
	a := l.add(t, 10*time.Second, "ExportImage", "Processing")
	b := l.add(t, 70*time.Second, "ExportImage", "Processing")
	cc := l.add(t, 150*time.Second, "ExportImage", "Processing")
	for _, tt := range []struct {
		name       string
		start, end string
		want       []string
	}{
		{"no bounds", "", "", []string{cc, b, a}},
		{"one minute", l.at(time.Minute).Format(secondLayout), l.at(119 * time.Second).Format(secondLayout), []string{b}},
		{"bounds included", l.at(0).Format(secondLayout), l.at(time.Minute).Format(secondLayout), []string{b, a}},
		{"start only", l.at(time.Minute).Format(secondLayout), "", []string{cc, b}},
		{"end only", "", l.at(time.Minute).Format(secondLayout), []string{b, a}},
		{"minute layout", l.at(time.Minute).Format(minuteLayout), l.at(2 * time.Minute).Format(minuteLayout), []string{cc, b}},
		// b was created at 1m10s, but its CreationTime is 1m: a start inside its minute leaves
		// it out, and an end inside its minute, even before 1m10s, takes it in.
		{"start inside the minute", l.at(65 * time.Second).Format(secondLayout), "", []string{cc}},
		{"end inside the minute", "", l.at(65 * time.Second).Format(secondLayout), []string{b, a}},
		{"start after end", l.at(2 * time.Minute).Format(secondLayout), l.at(time.Minute).Format(secondLayout), nil},
		{"before every task", l.at(-time.Hour).Format(secondLayout), l.at(-time.Minute).Format(secondLayout), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := &ecs.DescribeTasksRequest{}
			if tt.start != "" {
				req.StartTime = tea.String(tt.start)
			}
			if tt.end != "" {
				req.EndTime = tea.String(tt.end)
			}
			body := list(t, c, req)
			if got := ids(body); !slices.Equal(got, tt.want) || int(tea.Int32Value(body.TotalCount)) != len(tt.want) {
				t.Errorf("listed %v (TotalCount %d), want %v", got, tea.Int32Value(body.TotalCount), tt.want)
			}
		})
	}
}

// TaskAction and TaskStatus filter the listing within its time window; a TaskStatus other
// than Finished, Processing and Failed is ignored, as ECS documents.
func TestListingFilters(t *testing.T) {
	l := newListing(t)
	c := l.c
	tasks := map[string]string{} // "action status" → id
	for i, as := range []string{"ExportImage Finished", "ExportImage Processing", "ImportImage Failed",
		"ImportImage Waiting", "ModifyDiskSpec Finished", "ExportImage Deleted"} {
		action, status, _ := strings.Cut(as, " ")
		tasks[as] = l.add(t, time.Duration(i)*time.Second, action, status)
	}
	early := l.add(t, -5*time.Minute, "ExportImage", "Finished")
	inWindow := window(l.base, l.at(time.Minute))
	for _, tt := range []struct {
		name, action, status string
		want                 []string
	}{
		{"status Finished", "", "Finished", []string{"ModifyDiskSpec Finished", "ExportImage Finished"}},
		{"status Processing", "", "Processing", []string{"ExportImage Processing"}},
		{"status Failed", "", "Failed", []string{"ImportImage Failed"}},
		{"status Waiting is ignored", "", "Waiting", []string{"ExportImage Deleted", "ModifyDiskSpec Finished",
			"ImportImage Waiting", "ImportImage Failed", "ExportImage Processing", "ExportImage Finished"}},
		{"action ImportImage", "ImportImage", "", []string{"ImportImage Waiting", "ImportImage Failed"}},
		{"action and status", "ExportImage", "Finished", []string{"ExportImage Finished"}},
		{"unknown action", "RedeployInstance", "", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := *inWindow
			if tt.action != "" {
				req.TaskAction = tea.String(tt.action)
			}
			if tt.status != "" {
				req.TaskStatus = tea.String(tt.status)
			}
			var want []string
			for _, w := range tt.want {
				want = append(want, tasks[w])
			}
			body := list(t, c, &req)
			if got := ids(body); !slices.Equal(got, want) || int(tea.Int32Value(body.TotalCount)) != len(want) {
				t.Errorf("listed %v (TotalCount %d), want %v %v", got, tea.Int32Value(body.TotalCount), tt.want, want)
			}
		})
	}
	all := list(t, c, &ecs.DescribeTasksRequest{TaskStatus: tea.String("Finished")})
	if got := ids(all); !slices.Contains(got, early) || len(got) != 3 {
		t.Errorf("Finished without a window listed %v, want 3 with %s", got, early)
	}
}

// Paging to the end yields every task once, newest first, each page with the TotalCount of
// the whole listing; a page past the end is empty.
func TestListingPagesToTheEnd(t *testing.T) {
	l := newListing(t)
	c := l.c
	// Two tasks a second: tasks created at the same time are listed the last added first.
	created := l.series(t, 23, func(i int) time.Duration { return time.Duration(i/2) * time.Second })
	var got []string
	for page := int32(1); page <= 6; page++ {
		body := list(t, c, &ecs.DescribeTasksRequest{StartTime: tea.String(l.base.Format(secondLayout)),
			PageNumber: tea.Int32(page), PageSize: tea.Int32(5)})
		if tea.Int32Value(body.TotalCount) != 23 || tea.Int32Value(body.PageNumber) != page || tea.Int32Value(body.PageSize) != 5 {
			t.Errorf("page %d: TotalCount %d PageNumber %d PageSize %d, want 23 %d 5", page,
				tea.Int32Value(body.TotalCount), tea.Int32Value(body.PageNumber), tea.Int32Value(body.PageSize), page)
		}
		want := min(5, max(23-int(page-1)*5, 0))
		if n := len(body.TaskSet.Task); n != want {
			t.Errorf("page %d has %d tasks, want %d", page, n, want)
		}
		got = append(got, ids(body)...)
	}
	if !slices.Equal(got, created) {
		t.Errorf("pages listed\n%v\nwant, newest first,\n%v", got, created)
	}
	def := list(t, c, &ecs.DescribeTasksRequest{})
	if len(def.TaskSet.Task) != 10 || tea.Int32Value(def.PageSize) != 10 || tea.Int32Value(def.PageNumber) != 1 || !slices.Equal(ids(def), created[:10]) {
		t.Errorf("default page: %d tasks, PageSize %d, PageNumber %d, want the 10 newest on page 1",
			len(def.TaskSet.Task), tea.Int32Value(def.PageSize), tea.Int32Value(def.PageNumber))
	}
	for _, size := range []int32{1, 100} {
		if body := list(t, c, &ecs.DescribeTasksRequest{PageSize: tea.Int32(size)}); len(body.TaskSet.Task) != min(int(size), 23) {
			t.Errorf("PageSize %d listed %d tasks", size, len(body.TaskSet.Task))
		}
	}
}

// Paging and time parameters outside their ranges are refused with 400 InvalidParameter,
// naming the parameter.
func TestListingParameterErrors(t *testing.T) {
	srv := newEmulator(t)
	c := newClient(t, srv, clientOpts{})
	for _, tt := range []struct {
		name, param string
		req         *ecs.DescribeTasksRequest
	}{
		{"PageSize 0", "PageSize", &ecs.DescribeTasksRequest{PageSize: tea.Int32(0)}},
		{"PageSize 101", "PageSize", &ecs.DescribeTasksRequest{PageSize: tea.Int32(101)}},
		{"PageSize -1", "PageSize", &ecs.DescribeTasksRequest{PageSize: tea.Int32(-1)}},
		{"PageNumber 0", "PageNumber", &ecs.DescribeTasksRequest{PageNumber: tea.Int32(0)}},
		{"PageNumber -3", "PageNumber", &ecs.DescribeTasksRequest{PageNumber: tea.Int32(-3)}},
		{"StartTime with a space", "StartTime", &ecs.DescribeTasksRequest{StartTime: tea.String("2026-11-27 07:50:00")}},
		{"StartTime not UTC", "StartTime", &ecs.DescribeTasksRequest{StartTime: tea.String("2026-11-27T07:50:00+08:00")}},
		{"StartTime a date", "StartTime", &ecs.DescribeTasksRequest{StartTime: tea.String("2026-11-27")}},
		{"EndTime not a time", "EndTime", &ecs.DescribeTasksRequest{EndTime: tea.String("yesterday")}},
		{"EndTime month 13", "EndTime", &ecs.DescribeTasksRequest{EndTime: tea.String("2026-13-01T00:00:00Z")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.RegionId = tea.String("cn-hangzhou")
			_, err := c.DescribeTasks(tt.req)
			if code, status := sdkCode(t, err); code != "InvalidParameter" || status != 400 {
				t.Fatalf("got %s %d, want InvalidParameter 400", code, status)
			}
			var se *tea.SDKError
			errors.As(err, &se) // sdkCode checked it is one
			var body struct{ Message string }
			if err := json.Unmarshal([]byte(tea.StringValue(se.Data)), &body); err != nil || !strings.Contains(body.Message, fmt.Sprintf("%q", tt.param)) {
				t.Errorf("message %q (%v), want it to name %q", body.Message, err, tt.param)
			}
		})
	}
}

// A task created while a listing is paged shifts the later pages by one (newest first: it
// comes first), so a task may be listed twice but none is skipped; and the next listing,
// whose window reaches back a minute before the end of this one, lists the new task. A
// window that starts where the last one ended would miss it: the task answers the minute it
// was created in, before that end.
func TestListingKeepsATaskCreatedDuringPaging(t *testing.T) {
	l := newListing(t)
	c := l.c
	old := l.series(t, 12, func(i int) time.Duration { return -10*time.Minute + time.Duration(i)*time.Second })
	end := l.at(20 * time.Second)
	l.clock.set(end)
	page := func(n int32) *ecs.DescribeTasksResponseBody {
		req := window(l.at(-15*time.Minute), end)
		req.PageNumber, req.PageSize = tea.Int32(n), tea.Int32(5)
		return list(t, c, req)
	}
	seen := map[string]int{}
	first := page(1)
	for _, id := range ids(first) {
		seen[id]++
	}
	fresh := l.add(t, 30*time.Second, "ExportImage", "Processing")
	for n := int32(2); n <= 3; n++ {
		body := page(n)
		if tea.Int32Value(body.TotalCount) != 13 {
			t.Errorf("page %d: TotalCount %d after a task was added, want 13", n, tea.Int32Value(body.TotalCount))
		}
		for _, id := range ids(body) {
			seen[id]++
		}
	}
	for _, id := range old {
		if seen[id] == 0 {
			t.Errorf("task %s was skipped by the paged listing", id)
		}
	}
	if last := ids(first)[4]; seen[last] != 2 {
		t.Errorf("the last task of page 1 was listed %d times, want twice (the pages shifted by the new task)", seen[last])
	}
	l.clock.set(l.at(40 * time.Second))
	next := list(t, c, window(end.Add(-time.Minute), l.at(40*time.Second)))
	if !slices.Contains(ids(next), fresh) {
		t.Errorf("the next listing, reaching back a minute, listed %v, want %s in it", ids(next), fresh)
	}
	if edge := list(t, c, window(end, l.at(40*time.Second))); slices.Contains(ids(edge), fresh) {
		t.Errorf("a listing starting at the last end (%s) lists %s, created at %s: its CreationTime is %s",
			end.Format(secondLayout), fresh, l.at(30*time.Second).Format(secondLayout), l.base.Format(minuteLayout))
	}
}

// A scripted task's CreationTime override is what the listing filters and orders on.
func TestListingUsesTheCreationTimeOverride(t *testing.T) {
	l := newListing(t)
	c := l.c
	past := l.at(-48 * time.Hour)
	old, err := l.srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", CreationTime: past.Format(minuteLayout),
		Steps: []ecsemu.Step{{Status: "Finished"}}})
	if err != nil {
		t.Fatal(err)
	}
	now := l.add(t, 0, "ExportImage", "Processing")
	if got := ids(list(t, c, window(past, past.Add(time.Minute)))); !slices.Equal(got, []string{old}) {
		t.Errorf("window around the override listed %v, want [%s]", got, old)
	}
	if got := ids(list(t, c, &ecs.DescribeTasksRequest{})); !slices.Equal(got, []string{now, old}) {
		t.Errorf("listed %v, want %v (the override is older)", got, []string{now, old})
	}
}
