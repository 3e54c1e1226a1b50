package asyncapi_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Like package events, the document's package compiles the standard library and events alone.
func TestImportsOnlyEventsAndTheStandardLibrary(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	want := []string{"github.com/taskpoller/taskpoller/events", "github.com/taskpoller/taskpoller/events/asyncapi"}
	if got := strings.Fields(string(out)); !slices.Equal(got, want) {
		t.Errorf("package asyncapi depends on %v, want only %v and the standard library", got, want)
	}
}
