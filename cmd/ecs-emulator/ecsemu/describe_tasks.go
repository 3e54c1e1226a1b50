package ecsemu

import (
	"strconv"
	"strings"
	"time"
)

// maxTaskIDs is the most task IDs one DescribeTasks call may name.
const maxTaskIDs = 100

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

// describeTasks lists tasks: TaskIds (up to 100, comma-separated),
// ResourceIds.N, TaskAction, TaskStatus (only Finished, Processing and Failed filter, as in
// the real service), StartTime/EndTime on the creation time, and paging
// (PageNumber from 1, PageSize 1–100, default 10).
func (s *Server) describeTasks(req *request, now time.Time, requestID string) (any, *apiError) {
	p := req.params
	region, aerr := regionParam(p)
	if aerr != nil {
		return nil, aerr
	}
	page, aerr := intParam(p.Get("PageNumber"), "PageNumber", 1, 1, 1<<30)
	if aerr != nil {
		return nil, aerr
	}
	size, aerr := intParam(p.Get("PageSize"), "PageSize", 10, 1, 100)
	if aerr != nil {
		return nil, aerr
	}
	var ids map[string]bool
	if raw := p.Get("TaskIds"); raw != "" {
		ids = map[string]bool{}
		n := 0
		for id := range strings.SplitSeq(raw, ",") {
			if id = strings.TrimSpace(id); id != "" {
				ids[id] = true
				n++
			}
		}
		if n > maxTaskIDs {
			return nil, errorFor(CodeInvalidParameter, "TaskIds")
		}
	}
	start, aerr := timeParam(p.Get("StartTime"), "StartTime")
	if aerr != nil {
		return nil, aerr
	}
	end, aerr := timeParam(p.Get("EndTime"), "EndTime")
	if aerr != nil {
		return nil, aerr
	}
	var resources map[string]bool
	for i := 1; i <= maxTaskIDs; i++ {
		r := p.Get("ResourceIds." + strconv.Itoa(i))
		if r == "" {
			break
		}
		if resources == nil {
			resources = map[string]bool{}
		}
		resources[r] = true
	}
	action, status := p.Get("TaskAction"), p.Get("TaskStatus")
	if status != StatusFinished && status != StatusProcessing && status != StatusFailed {
		status = ""
	}
	keep := func(t *task, st string) bool {
		return (ids == nil || ids[t.id]) && (resources == nil || resources[t.resourceID]) &&
			(action == "" || t.action == action) &&
			(status == "" || st == status) &&
			(start.IsZero() || !t.created.Before(start)) && (end.IsZero() || !t.created.After(end))
	}
	var all []listed
	if ids != nil {
		all = s.tasks.listIDs(region, ids, now, keep)
	} else {
		all = s.tasks.list(region, now, keep)
	}
	out := &describeTasksResponse{
		TotalCount: len(all), PageNumber: page, PageSize: size, RegionID: region, RequestID: requestID,
		TaskSet: taskSet{Task: []taskSummary{}},
	}
	from := (page - 1) * size
	for i := from; i < len(all) && i < from+size; i++ {
		l := all[i]
		out.TaskSet.Task = append(out.TaskSet.Task, taskSummary{
			TaskID: l.id, TaskAction: l.action, TaskStatus: l.status, SupportCancel: l.supportCancel,
			CreationTime: l.creation, FinishedTime: l.finished, ResourceID: l.resourceID,
		})
	}
	return out, nil
}

// intParam parses an optional integer parameter within lo..hi.
func intParam(v, name string, def, lo, hi int) (int, *apiError) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errorFor(CodeInvalidParameter, name)
	}
	return n, nil
}

// timeParam parses an optional UTC time, yyyy-MM-ddTHH:mm:ssZ or
// yyyy-MM-ddTHH:mmZ.
func timeParam(v, name string) (time.Time, *apiError) {
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{timeLayout, minuteLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, nil
		}
	}
	return time.Time{}, errorFor(CodeInvalidParameter, name)
}
