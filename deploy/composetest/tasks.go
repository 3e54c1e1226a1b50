package composetest

import (
	"fmt"
	"strings"
)

// ProducedTask is one TASK line of task-producer: a task it started on ECS and registered
// (the line is printed once the registrations stream acknowledged it and, for a task to be
// canceled, once the cancel was answered).
type ProducedTask struct {
	N      string
	TaskID string
	Action string
	Region string
	Expect string // "finished" or "failed"
	Reason string // for failed
	// Registered is false for a task the producer left unregistered (registered=no): only
	// discovery can find it.
	Registered bool
}

// ParseTasks reads the producer's TASK lines, by task id:
//
//	TASK n=<n> task=<id> action=<a> region=<r> [registered=<yes|no>] expect=<finished|failed> [reason=<reason>]
//
// A line without registered= is of a registered task.
func ParseTasks(lines []string) (map[string]ProducedTask, error) {
	tasks := map[string]ProducedTask{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "TASK ") {
			continue
		}
		kv := fields(l)
		p := ProducedTask{N: kv["n"], TaskID: kv["task"], Action: kv["action"], Region: kv["region"], Expect: kv["expect"], Reason: kv["reason"],
			Registered: kv["registered"] != "no"}
		if p.TaskID == "" || p.Action == "" || p.Region == "" || p.Expect == "" {
			return nil, fmt.Errorf("malformed producer line %q", l)
		}
		if _, dup := tasks[p.TaskID]; dup {
			return nil, fmt.Errorf("producer printed task %s twice", p.TaskID)
		}
		tasks[p.TaskID] = p
	}
	return tasks, nil
}

// fields splits "WORD k=v k=v" into its key/value pairs.
func fields(line string) map[string]string {
	kv := map[string]string{}
	for _, f := range strings.Fields(line)[1:] {
		if k, v, ok := strings.Cut(f, "="); ok {
			kv[k] = v
		}
	}
	return kv
}
