//go:build compose

package composetest

import "strings"

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
