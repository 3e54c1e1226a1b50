package ecsemu

import "time"

type requestOnly struct {
	RequestID string `json:"RequestId"`
}

// cancelTask cancels a Waiting or Processing ImportImage or ExportImage
// task; it then reports TaskStatus Deleted. Other actions get 403
// InvalidTaskId.TaskActionNotSupport, terminal tasks 403
// InvalidTaskId.IncorrectTaskStatus.
func (s *Server) cancelTask(req *request, now time.Time, requestID string) (any, *apiError) {
	region, aerr := regionParam(req.params)
	if aerr != nil {
		return nil, aerr
	}
	id, aerr := required(req.params, "TaskId")
	if aerr != nil {
		return nil, aerr
	}
	var cerr *apiError
	if !s.tasks.with(id, region, func(t *task) { cerr = t.cancel(now) }) {
		return nil, errorFor(CodeInvalidTaskNotFound, "")
	}
	if cerr != nil {
		return nil, cerr
	}
	return requestOnly{RequestID: requestID}, nil
}
