package main

import (
	"fmt"
	"strings"
)

// checklist is a run's pass lines: one "✅ ..." or "❌ ..." each, in the order checked.
type checklist []string

// check adds a line saying whether ok, in format's words.
func (c *checklist) check(ok bool, format string, args ...any) {
	mark := "✅"
	if !ok {
		mark = "❌"
	}
	*c = append(*c, mark+" "+fmt.Sprintf(format, args...))
}

func (c checklist) String() string { return strings.Join(c, "; ") }

// moreThanOne counts the tasks of ids with more than one terminal event in counts.
func moreThanOne(counts map[string]int, ids []string) int {
	n := 0
	for _, id := range ids {
		if counts[id] > 1 {
			n++
		}
	}
	return n
}
