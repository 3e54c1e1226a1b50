package events_test

import (
	"os/exec"
	"strings"
	"testing"
)

// A consumer of the contract compiles package events alone: apart from itself it imports only
// the standard library (the schema validator is for tests: package events/schematest).
func TestEventsImportsOnlyTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "github.com/taskpoller/taskpoller/events" {
		t.Errorf("package events depends on %v, want only the standard library", got)
	}
}
