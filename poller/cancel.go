package poller

import (
	"context"
	"errors"

	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
)

// TaskCanceler is what a TaskAPI may offer besides: canceling a task (ECS CancelTask). A
// worker with Config.CancelOnTimeout needs it. Errors are as for DescribeTask: an *APIError
// for answers of the service.
type TaskCanceler interface {
	CancelTask(ctx context.Context, regionID, taskID string) error
}

// Error codes with which ECS refuses CancelTask.
const (
	// CodeTaskActionNotSupport: only ImportImage and ExportImage tasks can be canceled.
	CodeTaskActionNotSupport = "InvalidTaskId.TaskActionNotSupport"
	// CodeIncorrectTaskStatus: the task is not running any more (it has ended or is canceled).
	CodeIncorrectTaskStatus = "InvalidTaskId.IncorrectTaskStatus"
)

// Cancelable reports whether ECS can cancel t: it says so (SupportCancel), or t is an
// ImportImage or ExportImage task, the actions CancelTask accepts.
func Cancelable(t Task) bool {
	return t.SupportCancel || t.Action == ActionImportImage || t.Action == ActionExportImage
}

// cancelOutcome is what events.Data.Cancel says of a CancelTask call that returned err: an
// error answer of ECS (4xx) refused it, anything else (no answer, 5xx) is an error. It is a
// pure function; the result fits the event (at most maxFieldBytes).
func cancelOutcome(err error) string {
	var api *APIError
	switch {
	case err == nil:
		return events.CancelAccepted
	case errors.As(err, &api) && api.StatusCode >= 400 && api.StatusCode < 500 && api.Code != "":
		return clipField(events.CancelRefused(api.Code))
	default:
		return clipField(events.CancelError(ErrorCode(err)))
	}
}

// cancelAtDeadline cancels a task that reached its deadline, when the worker is configured to
// and the task can be canceled (task is the fresh observation), and returns what the timeout
// event says of it (events.Data.Cancel): "" when the worker does not cancel tasks.
func (w *Worker) cancelAtDeadline(ctx context.Context, t *tracked, task Task) string {
	if w.canceler == nil {
		return ""
	}
	if !Cancelable(task) {
		return events.CancelNotSupported
	}
	cctx, cancel := context.WithTimeout(w.taskContext(ctx, t), w.cfg.APITimeout)
	err := w.canceler.CancelTask(cctx, t.reg.RegionID, t.reg.TaskID)
	cancel()
	outcome := cancelOutcome(err)
	if err != nil {
		w.logger(t).Warn("cannot cancel the task at its deadline", zap.String("cancel", outcome), zap.Error(err))
	} else {
		w.logger(t).Info("task canceled at its deadline")
	}
	return outcome
}
