package poller

// ring holds the tracked tasks of one region in a stable order, with a cursor: the batch
// checker takes them chunk by chunk from the cursor on, so every task is checked once per
// turn of the ring, whatever share of it the budget of one round allows. (A snapshot of a map
// per round would sample tasks at random: at 100,000 tasks and a budget of a tenth per round,
// one task in a thousand would go unchecked for 70 rounds.) A removal moves the last task into
// the hole, so that one may wait one more turn. Guarded by registry.mu, as is each task's
// index in it (tracked.slot, of heldByRegistry).
type ring struct {
	tasks  []*tracked
	cursor int
}

// add puts t at the end of the ring.
func (r *ring) add(t *tracked) {
	t.slot = len(r.tasks)
	r.tasks = append(r.tasks, t)
}

// remove takes t out of the ring; a t not in it changes nothing.
func (r *ring) remove(t *tracked) {
	i, last := t.slot, len(r.tasks)-1
	if i < 0 || i > last || r.tasks[i] != t {
		return
	}
	r.tasks[i] = r.tasks[last]
	r.tasks[i].slot = i
	r.tasks[last] = nil
	r.tasks = r.tasks[:last]
	t.slot = -1
	if len(r.tasks) == 0 {
		r.tasks = nil // let a region's peak go
	}
}

// take returns the task at the cursor and moves the cursor past it; the ring must not be
// empty. Taking len() tasks in a row takes each once.
func (r *ring) take() *tracked {
	if r.cursor >= len(r.tasks) {
		r.cursor = 0
	}
	t := r.tasks[r.cursor]
	r.cursor++
	return t
}

func (r *ring) len() int { return len(r.tasks) }
