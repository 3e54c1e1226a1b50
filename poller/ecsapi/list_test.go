package ecsapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// listRig is an emulator whose clock starts at base (the start of the current minute, UTC)
// and a Client calling it.
type listRig struct {
	emu  *ecsemu.Server
	c    *ecsapi.Client
	now  *atomic.Int64 // the emulator's clock (Unix ns), moved near the real time the SDK signs with
	base time.Time
}

// setClock sets the emulator's clock to t.
func (r *listRig) setClock(t time.Time) { r.now.Store(t.UnixNano()) }

func newListRig(t *testing.T, opts ...ecsemu.Option) *listRig {
	t.Helper()
	base := time.Now().UTC().Truncate(time.Minute)
	now := new(atomic.Int64)
	now.Store(base.UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()).UTC() }
	emu, err := ecsemu.New(append(opts, ecsemu.WithCredentials("ak", "secret"), ecsemu.WithClock(clock))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emu.Close)
	c, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, "ak", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	return &listRig{emu: emu, c: c, now: now, base: base}
}

// add adds a scripted task while the emulator's clock reads base+at.
func (r *listRig) add(t *testing.T, at time.Duration, sc ecsemu.Script) string {
	t.Helper()
	r.setClock(r.base.Add(at))
	if sc.RegionID == "" {
		sc.RegionID = "cn-hangzhou"
	}
	if sc.Steps == nil {
		sc.Steps = []ecsemu.Step{{Status: "Processing"}}
	}
	id, err := r.emu.AddTask(sc)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (r *listRig) list(t *testing.T, q poller.ListQuery) poller.TaskPage {
	t.Helper()
	if q.RegionID == "" {
		q.RegionID = "cn-hangzhou"
	}
	if q.PageNumber == 0 {
		q.PageNumber = 1
	}
	if q.PageSize == 0 {
		q.PageSize = poller.MaxBatch
	}
	p, err := r.c.ListTasks(context.Background(), q)
	if err != nil {
		t.Fatalf("ListTasks(%+v): %v", q, err)
	}
	return p
}

func taskIDs(p poller.TaskPage) []string {
	var out []string
	for _, tk := range p.Tasks {
		out = append(out, tk.TaskID)
	}
	return out
}

// A task created through the API, which nobody registered, is listed with its status,
// action, resource and creation minute; calls count as DescribeTasks.
func TestListTasks(t *testing.T) {
	r := newListRig(t, ecsemu.WithDurations("ExportImage", time.Hour, time.Hour)) // Waiting while listed
	ctx := context.Background()
	r.setClock(r.base.Add(10 * time.Second))
	exp, err := r.c.ExportImage(ctx, "cn-hangzhou", "m-listed", "bucket", "p", "raw")
	if err != nil {
		t.Fatal(err)
	}
	done := r.add(t, 70*time.Second, ecsemu.Script{Action: "ImportImage", Steps: []ecsemu.Step{{Status: "Finished"}}})
	other := r.add(t, 75*time.Second, ecsemu.Script{RegionID: "cn-beijing"})
	before := r.emu.CallCount("DescribeTasks")
	r.setClock(r.base.Add(80 * time.Second))
	p := r.list(t, poller.ListQuery{Start: r.base, End: r.base.Add(2 * time.Minute)})
	want := []poller.ListedTask{
		{TaskStatus: poller.TaskStatus{TaskID: done, Action: poller.ActionImportImage, Status: poller.StatusFinished},
			CreationTime: r.base.Add(time.Minute)},
		{TaskStatus: poller.TaskStatus{TaskID: exp, Action: poller.ActionExportImage, Status: poller.StatusWaiting, ResourceID: "m-listed"},
			CreationTime: r.base},
	}
	if !slices.Equal(p.Tasks, want) || p.TotalCount != 2 {
		t.Errorf("ListTasks = %+v (TotalCount %d)\nwant %+v", p.Tasks, p.TotalCount, want)
	}
	if slices.Contains(taskIDs(p), other) {
		t.Errorf("the task of cn-beijing is listed in cn-hangzhou")
	}
	if got := r.emu.CallCount("DescribeTasks") - before; got != 1 {
		t.Errorf("the emulator counted %d DescribeTasks calls for one ListTasks, want 1", got)
	}
	if want := r.base.Add(80 * time.Second); !p.ServerTime.Equal(want) {
		t.Errorf("ServerTime = %s, want the emulator's clock from its Date header: %s", p.ServerTime, want)
	}
	if got := taskIDs(r.list(t, poller.ListQuery{Action: poller.ActionExportImage})); !slices.Equal(got, []string{exp}) {
		t.Errorf("Action ExportImage listed %v, want [%s]", got, exp)
	}
}

// The bounds are sent in UTC to the second and never narrow the window asked: Start is
// rounded down, End up; a zero bound is left open.
func TestListTasksBounds(t *testing.T) {
	r := newListRig(t)
	early := r.add(t, -time.Hour, ecsemu.Script{})
	atOne := r.add(t, time.Minute, ecsemu.Script{})
	atTwo := r.add(t, 2*time.Minute, ecsemu.Script{})
	east := time.FixedZone("UTC+8", 8*3600)
	for _, tt := range []struct {
		name       string
		start, end time.Time
		want       []string
	}{
		{"open", time.Time{}, time.Time{}, []string{atTwo, atOne, early}},
		{"start only", r.base, time.Time{}, []string{atTwo, atOne}},
		{"end only", time.Time{}, r.base.Add(time.Minute), []string{atOne, early}},
		// 1:59.2 is sent as 2:00, so the task of minute 2 is in; 1:00.5 as 1:00.
		{"fractions widen", r.base.Add(time.Minute + 500*time.Millisecond), r.base.Add(119*time.Second + 200*time.Millisecond), []string{atTwo, atOne}},
		{"another zone", r.base.Add(time.Minute).In(east), r.base.Add(time.Minute).In(east), []string{atOne}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := taskIDs(r.list(t, poller.ListQuery{Start: tt.start, End: tt.end})); !slices.Equal(got, tt.want) {
				t.Errorf("listed %v, want %v", got, tt.want)
			}
		})
	}
}

// Paging to the end gives every task once, with the TotalCount of the whole listing.
func TestListTasksPages(t *testing.T) {
	r := newListRig(t)
	var want []string
	for i := range 7 {
		want = append(want, r.add(t, time.Duration(i)*time.Second, ecsemu.Script{}))
	}
	slices.Reverse(want) // newest first
	var got []string
	for page := 1; page <= 4; page++ {
		p := r.list(t, poller.ListQuery{Start: r.base, PageNumber: page, PageSize: 3})
		if p.TotalCount != 7 {
			t.Errorf("page %d: TotalCount %d, want 7", page, p.TotalCount)
		}
		got = append(got, taskIDs(p)...)
	}
	if !slices.Equal(got, want) {
		t.Errorf("pages listed %v, want %v", got, want)
	}
}

// CreationTime is parsed to the minute (what ECS gives) or to the second; anything else
// leaves it zero without failing the page.
func TestListTasksCreationTimes(t *testing.T) {
	r := newListRig(t)
	for _, tt := range []struct {
		creation string
		want     time.Time
	}{
		{"2026-11-27T07:50Z", time.Date(2026, 11, 27, 7, 50, 0, 0, time.UTC)},
		{"2026-11-27T07:50:12Z", time.Date(2026, 11, 27, 7, 50, 12, 0, time.UTC)},
		{"2026-11-27T15:50+08:00", time.Date(2026, 11, 27, 7, 50, 0, 0, time.UTC)},
		{"2026-11-27 07:50", time.Time{}},
	} {
		t.Run(tt.creation, func(t *testing.T) {
			id := r.add(t, 0, ecsemu.Script{CreationTime: tt.creation})
			p := r.list(t, poller.ListQuery{})
			i := slices.IndexFunc(p.Tasks, func(tk poller.ListedTask) bool { return tk.TaskID == id })
			if i < 0 {
				t.Fatalf("task %s not listed", id)
			}
			if got := p.Tasks[i].CreationTime; !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("CreationTime %v, want %v in UTC", got, tt.want)
			}
		})
	}
}

// A page outside the ranges ECS takes is refused without a call; ECS's refusals come back as
// the other calls' do.
func TestListTasksErrors(t *testing.T) {
	r := newListRig(t)
	ctx := context.Background()
	before := r.emu.CallCount("DescribeTasks")
	for _, q := range []poller.ListQuery{
		{PageNumber: 0, PageSize: 10}, {PageNumber: 1, PageSize: 0}, {PageNumber: 1, PageSize: poller.MaxBatch + 1},
		{PageNumber: -1, PageSize: 10}, {PageNumber: 1 << 31, PageSize: 10},
	} {
		q.RegionID = "cn-hangzhou"
		if _, err := r.c.ListTasks(ctx, q); err == nil {
			t.Errorf("ListTasks(page %d, size %d): no error", q.PageNumber, q.PageSize)
		}
	}
	if got := r.emu.CallCount("DescribeTasks"); got != before {
		t.Errorf("%d calls made for refused pages, want none", got-before)
	}
	_, err := r.c.ListTasks(ctx, poller.ListQuery{RegionID: "mars-1", PageNumber: 1, PageSize: 10})
	var api *poller.APIError
	if !errors.As(err, &api) || api.Code != "InvalidRegionId.NotFound" || poller.Classify(err) != poller.ClassInvalidRegion {
		t.Errorf("unknown region: %v, want InvalidRegionId.NotFound", err)
	}
	r.emu.SetFaults(ecsemu.Faults{Throttle: 1, Actions: []string{"DescribeTasks"}})
	_, err = r.c.ListTasks(ctx, poller.ListQuery{RegionID: "cn-hangzhou", PageNumber: 1, PageSize: 10})
	if poller.Classify(err) != poller.ClassThrottled {
		t.Errorf("throttled: %v classified %s, want throttled", err, poller.Classify(err))
	}
}

// What ListTasks sends: the parameters of the query, and no TaskIds.
func TestListTasksRequest(t *testing.T) {
	got := make(chan url.Values, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		got <- req.URL.Query()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"TotalCount":0,"TaskSet":{"Task":[]}}`))
	}))
	defer srv.Close()
	c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL, Credential: mustCred(t, "ak", "secret")})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 27, 7, 50, 0, 0, time.UTC)
	if _, err := c.ListTasks(context.Background(), poller.ListQuery{RegionID: "cn-shanghai", Start: start,
		End: start.Add(10 * time.Minute), Action: "ModifyDiskSpec", PageNumber: 3, PageSize: 50}); err != nil {
		t.Fatal(err)
	}
	q := <-got
	want := map[string]string{"RegionId": "cn-shanghai", "StartTime": "2026-11-27T07:50:00Z", "EndTime": "2026-11-27T08:00:00Z",
		"TaskAction": "ModifyDiskSpec", "PageNumber": "3", "PageSize": "50", "TaskIds": "", "TaskStatus": ""}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
}

// A 200 without a TaskSet is an empty page; one without a body is an error.
func TestListTasksEmptyAnswers(t *testing.T) {
	for _, tt := range []struct {
		body    string
		wantErr bool
	}{{`{}`, false}, {`{"TotalCount":0}`, false}, {`null`, true}, {``, true}} {
		t.Run(fmt.Sprintf("%q", tt.body), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL, Credential: mustCred(t, "ak", "secret")})
			if err != nil {
				t.Fatal(err)
			}
			p, err := c.ListTasks(context.Background(), poller.ListQuery{RegionID: "cn-hangzhou", PageNumber: 1, PageSize: 10})
			if (err != nil) != tt.wantErr || len(p.Tasks) != 0 || p.TotalCount != 0 {
				t.Errorf("got %+v, %v; want an error: %v", p, err, tt.wantErr)
			}
		})
	}
}
