//go:build compose

package composetest

import (
	"fmt"
	"strings"
)

// producedTask is one TASK line of task-producer.
type producedTask struct {
	N      string
	TaskID string
	Action string
	Region string
	Expect string // "finished" or "failed"
	Reason string // for failed
}

// parseTasks reads the producer's TASK lines:
//
//	TASK n=<n> task=<id> action=<a> region=<r> expect=<finished|failed> [reason=<reason>]
func parseTasks(lines []string) (map[string]producedTask, error) {
	tasks := map[string]producedTask{}
	for _, l := range lines {
		if !strings.HasPrefix(l, "TASK ") {
			continue
		}
		kv := fields(l)
		p := producedTask{N: kv["n"], TaskID: kv["task"], Action: kv["action"], Region: kv["region"], Expect: kv["expect"], Reason: kv["reason"]}
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

// countLines counts each distinct line that starts with prefix.
func countLines(lines []string, prefix string) map[string]int {
	n := map[string]int{}
	for _, l := range lines {
		if strings.HasPrefix(l, prefix) {
			n[strings.TrimSpace(l)]++
		}
	}
	return n
}
