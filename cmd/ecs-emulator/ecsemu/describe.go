package ecsemu

import (
	"time"
)

// taskAttribute is the DescribeTaskAttribute response, fields in the order
// of the API page's sample.
type taskAttribute struct {
	CreationTime         string               `json:"CreationTime"`
	SupportCancel        string               `json:"SupportCancel"`
	TotalCount           int32                `json:"TotalCount"`
	SuccessCount         int32                `json:"SuccessCount"`
	RegionID             string               `json:"RegionId"`
	TaskAction           string               `json:"TaskAction"`
	FailedCount          int32                `json:"FailedCount"`
	RequestID            string               `json:"RequestId"`
	TaskStatus           string               `json:"TaskStatus"`
	TaskProcess          string               `json:"TaskProcess"`
	FinishedTime         string               `json:"FinishedTime,omitempty"`
	TaskID               string               `json:"TaskId"`
	OperationProgressSet operationProgressSet `json:"OperationProgressSet"`
}

type operationProgressSet struct {
	OperationProgress []operationProgress `json:"OperationProgress"`
}

type operationProgress struct {
	ErrorMsg        string         `json:"ErrorMsg,omitempty"`
	ErrorCode       string         `json:"ErrorCode,omitempty"`
	OperationStatus string         `json:"OperationStatus"`
	RelatedItemSet  relatedItemSet `json:"RelatedItemSet"`
}

type relatedItemSet struct {
	RelatedItem []relatedItem `json:"RelatedItem"`
}

type relatedItem struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

func (s *Server) describeTaskAttribute(req *request, now time.Time, requestID string) (any, *apiError) {
	var out taskAttribute
	aerr := s.onTask(req, func(t *task, region string) *apiError {
		v := t.observe(now, true)
		if v.err != nil {
			return v.err
		}
		if v.requestID != "" {
			requestID = v.requestID
		}
		out = taskAttribute{
			CreationTime:  t.creationString(),
			SupportCancel: t.supportsCancel(v.status),
			TotalCount:    v.total,
			SuccessCount:  v.success,
			RegionID:      region,
			TaskAction:    t.action,
			FailedCount:   v.fails,
			RequestID:     requestID,
			TaskStatus:    v.status,
			TaskProcess:   v.process,
			FinishedTime:  v.finished,
			TaskID:        t.id,
			OperationProgressSet: operationProgressSet{
				OperationProgress: progressOf(v.ops),
			},
		}
		return nil
	})
	if aerr != nil {
		return nil, aerr
	}
	return &out, nil
}

func progressOf(ops []Operation) []operationProgress {
	out := make([]operationProgress, len(ops))
	for i, op := range ops {
		items := make([]relatedItem, len(op.Items))
		for j, it := range op.Items {
			items[j] = relatedItem(it)
		}
		out[i] = operationProgress{
			ErrorMsg: op.ErrorMsg, ErrorCode: op.ErrorCode, OperationStatus: op.Status,
			RelatedItemSet: relatedItemSet{RelatedItem: items},
		}
	}
	return out
}
