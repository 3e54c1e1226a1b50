package ecsemu

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxTaskIDs is the most task IDs one DescribeTasks call may name, and the most ResourceIds.N.
const maxTaskIDs = 100

// maxPageSize is the largest PageSize of DescribeTasks.
const maxPageSize = 100

type describeTasksResponse struct {
	TotalCount int     `json:"TotalCount"`
	PageNumber int     `json:"PageNumber"`
	PageSize   int     `json:"PageSize"`
	RegionID   string  `json:"RegionId"`
	RequestID  string  `json:"RequestId"`
	TaskSet    taskSet `json:"TaskSet"`
}

type taskSet struct {
	Task []taskSummary `json:"Task"`
}

type taskSummary struct {
	TaskID        string `json:"TaskId"`
	TaskAction    string `json:"TaskAction"`
	TaskStatus    string `json:"TaskStatus"`
	SupportCancel string `json:"SupportCancel"`
	CreationTime  string `json:"CreationTime"`
	FinishedTime  string `json:"FinishedTime,omitempty"`
	ResourceID    string `json:"ResourceId,omitempty"`
}

// listQuery is what one DescribeTasks call asks for.
type listQuery struct {
	region         string
	page, size     int
	ids            map[string]bool // TaskIds; nil: any task
	resources      map[string]bool // ResourceIds.N; nil: any resource
	action, status string          // "": any
	start, end     time.Time       // creation time bounds, both included; zero: open
}

// keep reports whether t, whose status is status now, is listed.
func (q *listQuery) keep(t *task, status string) bool {
	_, created := t.creation()
	return (q.ids == nil || q.ids[t.id]) && (q.resources == nil || q.resources[t.resourceID]) &&
		(q.action == "" || t.action == q.action) && (q.status == "" || status == q.status) &&
		(q.start.IsZero() || !created.Before(q.start)) && (q.end.IsZero() || !created.After(q.end))
}

// parseListQuery reads the parameters of DescribeTasks, answering the first invalid one.
func parseListQuery(p url.Values) (listQuery, *apiError) {
	r := paramReader{p: p}
	q := listQuery{region: r.region()}
	q.page = r.intIn("PageNumber", 1, 1, 1<<30)
	q.size = r.intIn("PageSize", 10, 1, maxPageSize)
	if raw := p.Get("TaskIds"); raw != "" {
		q.ids = map[string]bool{}
		n := 0 // a repeated id counts each time
		for id := range strings.SplitSeq(raw, ",") {
			if id = strings.TrimSpace(id); id != "" {
				q.ids[id] = true
				n++
			}
		}
		r.check(n <= maxTaskIDs, CodeInvalidParameter, "TaskIds")
	}
	q.start, q.end = r.time("StartTime"), r.time("EndTime")
	for i := 1; i <= maxTaskIDs; i++ {
		id := p.Get("ResourceIds." + strconv.Itoa(i))
		if id == "" {
			break
		}
		if q.resources == nil {
			q.resources = map[string]bool{}
		}
		q.resources[id] = true
	}
	q.action, q.status = p.Get("TaskAction"), p.Get("TaskStatus")
	if q.status != StatusFinished && q.status != StatusProcessing && q.status != StatusFailed {
		q.status = "" // as ECS: other values are ignored
	}
	return q, r.err
}

// describeTasks lists the tasks of the caller's account in a region that pass the filters (see listQuery and
// docs/ecs-emulator.md), newest first, one page of them, with TotalCount the number of the
// whole listing.
func (s *Server) describeTasks(req *request, now time.Time, requestID string) (any, *apiError) {
	q, aerr := parseListQuery(req.params)
	if aerr != nil {
		return nil, aerr
	}
	var all []listed
	if q.ids != nil {
		all = s.tasks.listIDs(q.region, req.account, q.ids, now, q.keep)
	} else {
		all = s.tasks.list(q.region, req.account, now, q.keep)
	}
	out := &describeTasksResponse{
		TotalCount: len(all), PageNumber: q.page, PageSize: q.size, RegionID: q.region, RequestID: requestID,
		TaskSet: taskSet{Task: []taskSummary{}},
	}
	from := (q.page - 1) * q.size
	for i := from; i < len(all) && i < from+q.size; i++ {
		l := all[i]
		out.TaskSet.Task = append(out.TaskSet.Task, taskSummary{
			TaskID: l.id, TaskAction: l.action, TaskStatus: l.status, SupportCancel: l.supportCancel,
			CreationTime: l.creation, FinishedTime: l.finished, ResourceID: l.resourceID,
		})
	}
	return out, nil
}
