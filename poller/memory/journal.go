package memory

import (
	"context"
	"fmt"
	"sync"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Publisher = (*Journal)(nil)

// Journal is a poller.Publisher: one journal of events per task, positions shared by all
// tasks (as a stream's sequences are), every publish fenced on the task's latest position,
// and ids de-duplicated while de-duplication is on (inside the duplicate window).
type Journal struct {
	mu      sync.Mutex
	pos     uint64
	tasks   map[string][]stored // by events.Registration.Key
	byID    map[string]uint64
	dedup   bool
	fail    func(poller.Notice) error
	onStore func(poller.Notice)
}

type stored struct {
	pos    uint64
	notice poller.Notice
}

// NewJournal returns an empty journal with de-duplication on.
func NewJournal() *Journal {
	return &Journal{tasks: map[string][]stored{}, byID: map[string]uint64{}, dedup: true}
}

// SetDedup turns de-duplication by id on (inside the duplicate window) or off (past it).
func (j *Journal) SetDedup(on bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.dedup = on
}

// FailWith makes Publish fail, before storing, with f's error for every notice f returns one
// for; nil removes the hook.
func (j *Journal) FailWith(f func(poller.Notice) error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.fail = f
}

// OnStore calls f after each event is stored (outside the journal's lock); nil removes it.
func (j *Journal) OnStore(f func(poller.Notice)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.onStore = f
}

// Publish implements poller.Publisher; a notice without an id (of an unknown kind) is refused.
func (j *Journal) Publish(_ context.Context, n poller.Notice, after uint64) (uint64, error) {
	if n.ID() == "" {
		return 0, fmt.Errorf("publish a %q notice of %s/%s: %w", n.Kind, n.Task.RegionID, n.Task.TaskID, events.ErrUnknownKind)
	}
	j.mu.Lock()
	if j.fail != nil {
		if err := j.fail(n); err != nil {
			j.mu.Unlock()
			return 0, err
		}
	}
	if pos, ok := j.byID[n.ID()]; ok && j.dedup {
		j.mu.Unlock()
		return pos, nil
	}
	key := events.Registration{RegionID: n.Task.RegionID, TaskID: n.Task.TaskID}.Key()
	evs := j.tasks[key]
	var last uint64
	if len(evs) > 0 {
		last = evs[len(evs)-1].pos
	}
	if last != after {
		j.mu.Unlock()
		return 0, fmt.Errorf("latest event is at %d, not %d: %w", last, after, poller.ErrFenced)
	}
	j.pos++
	j.tasks[key] = append(evs, stored{pos: j.pos, notice: n})
	j.byID[n.ID()] = j.pos
	pos, onStore := j.pos, j.onStore
	j.mu.Unlock()
	if onStore != nil {
		onStore(n)
	}
	return pos, nil
}

// Last implements poller.Publisher.
func (j *Journal) Last(_ context.Context, regionID, taskID string) (poller.Announced, bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	evs := j.tasks[events.Registration{RegionID: regionID, TaskID: taskID}.Key()]
	if len(evs) == 0 {
		return poller.Announced{}, false, nil
	}
	e := evs[len(evs)-1]
	return poller.Announced{Position: e.pos, ID: e.notice.ID(), Kind: e.notice.Kind, Action: e.notice.Action(),
		Status: e.notice.Task.Status, Process: e.notice.Task.Process, Ordinal: e.notice.Ordinal}, true, nil
}

// Events returns a task's stored notices, in order.
func (j *Journal) Events(regionID, taskID string) []poller.Notice {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []poller.Notice
	for _, e := range j.tasks[events.Registration{RegionID: regionID, TaskID: taskID}.Key()] {
		out = append(out, e.notice)
	}
	return out
}
