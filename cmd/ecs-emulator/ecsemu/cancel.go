package ecsemu

import (
	"time"
)

type requestOnly struct {
	RequestID string `json:"RequestId"`
}

// cancelTask cancels a Waiting or Processing ImportImage or ExportImage
// task; it then reports TaskStatus Deleted. Other actions get 403
// InvalidTaskId.TaskActionNotSupport, terminal tasks 403
// InvalidTaskId.IncorrectTaskStatus.
func (s *Server) cancelTask(req *request, now time.Time, requestID string) (any, *apiError) {
	if aerr := s.onTask(req, func(t *task, _ string) *apiError { return t.cancel(now) }); aerr != nil {
		return nil, aerr
	}
	return requestOnly{RequestID: requestID}, nil
}

// onTask runs fn on the task of the caller's account that the request's RegionId and TaskId
// name, under the store lock, with the region, and returns fn's answer. A missing or unknown
// region or task (a task of another account is unknown) gives the real service's error,
// without calling fn.
func (s *Server) onTask(req *request, fn func(t *task, region string) *apiError) *apiError {
	r := paramReader{p: req.params}
	region, id := r.region(), r.required("TaskId")
	if r.err != nil {
		return r.err
	}
	var ferr *apiError
	if !s.tasks.with(id, region, req.account, func(t *task) { ferr = fn(t, region) }) {
		return errorFor(CodeInvalidTaskNotFound, "")
	}
	return ferr
}
