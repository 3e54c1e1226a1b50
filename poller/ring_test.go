package poller

import (
	"fmt"
	"testing"
)

// Every task comes once per turn of the ring, however the turn is cut into chunks and tasks
// come and go.
func TestRingTurns(t *testing.T) {
	var r ring
	tasks := map[string]*tracked{}
	for i := range 10 {
		k := fmt.Sprintf("k-%d", i)
		tasks[k] = &tracked{key: k}
		r.add(tasks[k])
	}
	turn := func(chunk int) map[string]int {
		seen := map[string]int{}
		for left := r.len(); left > 0; left -= chunk {
			for range min(chunk, left) {
				seen[r.take().key]++
			}
		}
		return seen
	}
	for _, chunk := range []int{3, 4, 10, 7} {
		seen := turn(chunk)
		if len(seen) != r.len() {
			t.Fatalf("chunks of %d: a turn saw %d of %d tasks: %v", chunk, len(seen), r.len(), seen)
		}
		for k, n := range seen {
			if n != 1 {
				t.Fatalf("chunks of %d: %s seen %d times in a turn", chunk, k, n)
			}
		}
	}
	r.remove(tasks["k-3"])
	r.remove(tasks["k-3"]) // twice: nothing more happens
	r.remove(tasks["k-9"])
	if r.len() != 8 {
		t.Fatalf("len %d after two removals, want 8", r.len())
	}
	for _, t2 := range r.tasks {
		if r.tasks[t2.slot] != t2 {
			t.Fatalf("%s has slot %d, which holds %s", t2.key, t2.slot, r.tasks[t2.slot].key)
		}
	}
	seen := turn(3)
	if len(seen) != 8 || seen["k-3"] != 0 || seen["k-9"] != 0 {
		t.Fatalf("turn after removals: %v", seen)
	}
}
