package ecsemu

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Call is one API request the emulator answered.
type Call struct {
	Time     time.Time `json:"time"`
	Action   string    `json:"action"`
	TaskID   string    `json:"task_id,omitempty"`
	RegionID string    `json:"region_id,omitempty"`
	// Account and AccessKeyID are the caller's account and the key that signed the call;
	// empty when the signature was refused.
	Account     string `json:"account,omitempty"`
	AccessKeyID string `json:"access_key_id,omitempty"`
	Code        string `json:"code"` // "OK" for success, else the error code
}

// Stats is a snapshot of the counters.
type Stats struct {
	Actions map[string]int `json:"actions"` // calls per action (every request, any answer)
	Codes   map[string]int `json:"codes"`   // answers per code ("OK" for success)
	Tasks   map[string]int `json:"tasks"`   // DescribeTaskAttribute calls per task ID
	// Listings are DescribeTasks listing calls per region (every request, any answer): those
	// naming no TaskIds, as discovery lists a region by creation time; a batch check names
	// TaskIds and is not one.
	Listings map[string]int `json:"listings"`
}

// maxTrackedTasks bounds the task IDs with per-task counters and history, so
// a flood of made-up IDs cannot exhaust memory; calls naming further IDs are
// still counted per action and code.
const maxTrackedTasks = 100000

// recorder counts calls. The per-task history keeps the most recent limit
// calls; counters are exact.
type recorder struct {
	mu       sync.Mutex
	limit    int
	actions  map[string]int
	codes    map[string]int
	tasks    map[string]int
	listings map[string]int // per region
	history  map[string][]Call
}

func newRecorder(limit int) *recorder {
	return &recorder{
		limit: limit, actions: map[string]int{}, codes: map[string]int{},
		tasks: map[string]int{}, listings: map[string]int{}, history: map[string][]Call{},
	}
}

// record counts c; listing says c is a DescribeTasks listing call (see Stats.Listings).
func (r *recorder) record(c Call, listing bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.actions[c.Action]++
	r.codes[c.Code]++
	if listing {
		r.listings[c.RegionID]++
	}
	if c.Action != ActionDescribeTaskAttribute || c.TaskID == "" {
		return
	}
	if _, ok := r.tasks[c.TaskID]; !ok && len(r.tasks) >= maxTrackedTasks {
		return
	}
	r.tasks[c.TaskID]++
	h := append(r.history[c.TaskID], c)
	if len(h) >= 2*r.limit {
		h = append(h[:0:0], h[len(h)-r.limit:]...)
	}
	r.history[c.TaskID] = h
}

func (r *recorder) calls(taskID string) []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := r.history[taskID]
	if len(h) > r.limit {
		h = h[len(h)-r.limit:]
	}
	return slices.Clone(h)
}

func (r *recorder) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return Stats{Actions: maps.Clone(r.actions), Codes: maps.Clone(r.codes), Tasks: maps.Clone(r.tasks), Listings: maps.Clone(r.listings)}
}

func (r *recorder) actionCount(a string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.actions[a]
}

func (r *recorder) codeCount(c string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.codes[c]
}

func (r *recorder) taskCount(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.tasks[id]
}

func (r *recorder) listingCount(region string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.listings[region]
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	clear(r.actions)
	clear(r.codes)
	clear(r.tasks)
	clear(r.listings)
	clear(r.history)
}
