package ecsemu

import (
	"fmt"
	"time"
)

// TimedTask is a task with the lifecycle of one created through the API (Waiting, then
// Processing with TaskProcess rising, then Finished), but with durations of its own, counted
// from when it is added: a load test can spread the ends of many tasks.
type TimedTask struct {
	RegionID string // required, a known region
	Account  string // the ID of the account the task belongs to; DefaultAccountID if empty
	// Action is ExportImage (the default), ImportImage or ModifyDiskSpec; the finished
	// task reports the RelatedItems of that action.
	Action string
	// Waiting and Processing are wall time, divided by the time scale as the durations of
	// API-created tasks are. The task ends Waiting+Processing after it was added.
	Waiting, Processing time.Duration
}

// AddTimedTask adds a task that lives as t says and returns its ID. DescribeTaskAttribute,
// DescribeTasks and CancelTask treat it as a task created through the API (without
// WithFailureRate: it finishes). An unknown region or action, an account that is not 1 to
// 32 digits, or a negative duration, is an error.
func (s *Server) AddTimedTask(t TimedTask) (string, error) {
	if !knownRegion(t.RegionID) {
		return "", fmt.Errorf("ecsemu: timed task region %q is not a known region", t.RegionID)
	}
	if t.Account != "" && !validAccountID(t.Account) {
		return "", fmt.Errorf("ecsemu: timed task account %q is not 1 to 32 digits", t.Account)
	}
	if t.Waiting < 0 || t.Processing < 0 {
		return "", fmt.Errorf("ecsemu: timed task durations must not be negative")
	}
	action := t.Action
	if action == "" {
		action = ActionExportImage
	}
	var resource string
	switch action {
	case ActionExportImage, ActionImportImage:
		resource = randomID("m-", 20)
	case ActionModifyDiskSpec:
		resource = randomID("d-", 20)
	default:
		return "", fmt.Errorf("ecsemu: timed task action %q: want ExportImage, ImportImage or ModifyDiskSpec", action)
	}
	scale := func(d time.Duration) time.Duration { return time.Duration(float64(d) / s.cfg.timeScale) }
	tk := &task{region: t.RegionID, account: accountOr(t.Account), action: action, resourceID: resource, created: s.cfg.now()}
	err := s.tasks.add(tk, func(tk *task) {
		var result Operation
		switch action {
		case ActionExportImage:
			result = s.exportLifecycle(tk.id, resource, "bench", "", "raw", 0).result
		case ActionImportImage:
			result = Operation{Status: "Success", Items: []Item{
				{Name: "ImageId", Value: resource}, {Name: "OSSBucket", Value: "bench"}, {Name: "OSSObject", Value: tk.id + ".raw"}}}
		default:
			result = Operation{Status: "Success", Items: []Item{{Name: "DiskId", Value: resource}}}
		}
		tk.life = &lifecycle{waiting: scale(t.Waiting), processing: scale(t.Processing), result: result}
	})
	if err != nil {
		return "", err
	}
	return tk.id, nil
}

// TaskEnd returns when the task reached a terminal status (Finished, Failed or Deleted), to
// the nanosecond, as the emulator decided it: for a task created through the API or with
// AddTimedTask the end of its lifecycle, for a scripted one its first answer with a terminal
// status, for a canceled one the cancel. ok is false for an unknown task or one not ended yet.
func (s *Server) TaskEnd(taskID string) (end time.Time, ok bool) {
	now := s.cfg.now()
	s.tasks.mu.Lock()
	defer s.tasks.mu.Unlock()
	t, found := s.tasks.tasks[taskID]
	if !found {
		return time.Time{}, false
	}
	switch {
	case !t.canceledAt.IsZero():
		return t.canceledAt, true
	case t.life != nil:
		status, _, ended := t.life.at(now.Sub(t.created))
		if terminalStatus(status) {
			return t.created.Add(ended), true
		}
	case !t.endedAt.IsZero():
		return t.endedAt, true
	}
	return time.Time{}, false
}
