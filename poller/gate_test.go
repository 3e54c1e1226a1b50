package poller

import (
	"slices"
	"testing"
)

// A region holds at most its share of the poll goroutines; a parked key is admitted when a
// place frees, and a place kept for a key whose task is gone passes to the next one, so no
// parked key is stranded.
func TestRegionGate(t *testing.T) {
	g := newRegionGate(4)
	const regions = 2 // a share of 2 each
	for _, k := range []string{"a", "b"} {
		if !g.enter("hang", k, regions) {
			t.Fatalf("%s not let in with the region under its share", k)
		}
	}
	for _, k := range []string{"c", "d", "c", "e"} {
		if g.enter("hang", k, regions) {
			t.Fatalf("%s let in above the region's share", k)
		}
	}
	if !g.enter("other", "x", regions) {
		t.Fatal("another region's key was kept out by the full region")
	}
	if got := g.leave("hang", regions); !slices.Equal(got, []string{"c"}) {
		t.Fatalf("leave admitted %v, want [c] (first parked, once)", got)
	}
	if g.enter("hang", "z", regions) {
		t.Fatal("z let in while the freed place is kept for c")
	}
	if got := g.gone("c", regions); !slices.Equal(got, []string{"d"}) {
		t.Fatalf("c gone: admitted %v, want [d]", got)
	}
	if !g.enter("hang", "d", regions) {
		t.Fatal("d, admitted, was not let in")
	}
	if got := g.gone("e", regions); len(got) != 0 {
		t.Fatalf("e gone while parked: admitted %v, want none (no place is free)", got)
	}
	if got := g.leave("hang", 1); !slices.Equal(got, []string{"z"}) {
		t.Fatalf("leave with one region left (share 4): admitted %v, want [z]", got)
	}
}
