package ecsemu

import "slices"

// AddTask adds a scripted task and returns its ID. DescribeTaskAttribute
// answers the script's steps in order (see Step); DescribeTasks lists the
// task with the status of its current step; CancelTask cancels it as any
// task. An unknown region, an account that is not 1 to 32 digits, an empty
// script, an unknown status or a TaskID already taken (in any account) is an
// error.
func (s *Server) AddTask(sc Script) (string, error) {
	if err := sc.validate(); err != nil {
		return "", err
	}
	action := sc.Action
	if action == "" {
		action = ActionExportImage
	}
	steps := slices.Clone(sc.Steps)
	for i := range steps {
		steps[i].Operations = cloneOperations(steps[i].Operations)
	}
	t := &task{
		id: sc.TaskID, region: sc.RegionID, account: accountOr(sc.Account), action: action, created: s.cfg.now(),
		creationTime: sc.CreationTime, finishedTime: sc.FinishedTime, steps: steps,
	}
	if sc.SupportCancel != nil {
		v := *sc.SupportCancel
		t.supportCancel = &v
	}
	if err := s.tasks.add(t, nil); err != nil {
		return "", err
	}
	return t.id, nil
}

func cloneOperations(ops []Operation) []Operation {
	out := slices.Clone(ops)
	for i := range out {
		out[i].Items = slices.Clone(out[i].Items)
	}
	return out
}
