package ecsemu

import (
	"cmp"
	"fmt"
	"slices"
	"sync"
	"time"
)

// store holds the tasks and images of one Server. Task IDs are unique across accounts; a task
// is seen only by its own account.
type store struct {
	mu     sync.Mutex
	tasks  map[string]*task
	order  []*task        // creation order
	images map[string]int // region + "/" + image ID → number of data disks
}

func newStore() *store {
	return &store{tasks: map[string]*task{}, images: map[string]int{}}
}

// add stores t, generating its ID if empty; an ID already taken is an error.
// init, if not nil, completes t under the lock once its ID is known.
func (s *store) add(t *task, init func(*task)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t.id == "" {
		for {
			t.id = randomID("t-", 20)
			if _, taken := s.tasks[t.id]; !taken {
				break
			}
		}
	} else if _, taken := s.tasks[t.id]; taken {
		return fmt.Errorf("ecsemu: task %s already exists", t.id)
	}
	if init != nil {
		init(t)
	}
	t.seq = len(s.order)
	s.tasks[t.id] = t
	s.order = append(s.order, t)
	return nil
}

// with runs fn on the task id of region and account under the store lock; a task created
// without a region (ModifyDiskSpec) matches every region. It reports whether the task exists
// (a task of another account does not).
func (s *store) with(id, region, account string, fn func(*task)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tasks[id]
	if !ok || t.account != account || (t.region != "" && t.region != region) {
		return false
	}
	fn(t)
	return true
}

// listed is one task as DescribeTasks reports it.
type listed struct {
	id, action, status, supportCancel, creation, finished, resourceID string

	at  time.Time // creation, for the order
	seq int
}

// newestFirst orders a listing: by creation time (task.creation), the newest first, and
// tasks created at the same time the last added first. The order is total and a task's
// place in it never changes, so pages shift only by tasks added meanwhile.
func newestFirst(out []listed) {
	slices.SortFunc(out, func(a, b listed) int {
		if c := b.at.Compare(a.at); c != 0 {
			return c
		}
		return cmp.Compare(b.seq, a.seq)
	})
}

// list returns the tasks of region and account that pass keep, newest first (newestFirst).
func (s *store) list(region, account string, now time.Time, keep func(t *task, status string) bool) []listed {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []listed
	for i := len(s.order) - 1; i >= 0; i-- {
		if l, ok := s.listOne(s.order[i], region, account, now, keep); ok {
			out = append(out, l)
		}
	}
	newestFirst(out)
	return out
}

// listIDs is list restricted to the tasks named in ids, with the same answer: it looks them
// up instead of observing every task, so a DescribeTasks naming 100 ids costs the same
// whatever the number of tasks the emulator holds.
func (s *store) listIDs(region, account string, ids map[string]bool, now time.Time, keep func(t *task, status string) bool) []listed {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []listed
	for id := range ids {
		if t, ok := s.tasks[id]; ok {
			if l, ok := s.listOne(t, region, account, now, keep); ok {
				out = append(out, l)
			}
		}
	}
	newestFirst(out)
	return out
}

// listOne observes t for list; s.mu must be held.
func (s *store) listOne(t *task, region, account string, now time.Time, keep func(t *task, status string) bool) (listed, bool) {
	if t.account != account || (t.region != "" && t.region != region) {
		return listed{}, false
	}
	v := t.observe(now, false)
	status := v.status
	if v.err != nil {
		status = StatusProcessing
	}
	if !keep(t, status) {
		return listed{}, false
	}
	at, _ := t.creation()
	return listed{
		id: t.id, action: t.action, status: status, supportCancel: t.supportsCancel(status),
		creation: t.creationString(), finished: v.finished, resourceID: t.resourceID, at: at, seq: t.seq,
	}, true
}

func (s *store) addImage(region, imageID string, dataDisks int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.images[region+"/"+imageID] = max(dataDisks, 0)
}

func (s *store) dataDisks(region, imageID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.images[region+"/"+imageID]
}
