package main

import (
	"os"
	"path/filepath"
	"testing"
)

// docs/cli.md is what cliReference makes of the command table: every flag of every command,
// documented as --help documents it. TASKPOLLER_UPDATE_DOCS=1 rewrites it.
func TestCLIReferenceIsCurrent(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "cli.md")
	want := cliReference(commands())
	if os.Getenv("TASKPOLLER_UPDATE_DOCS") == "1" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("docs/cli.md is not current: TASKPOLLER_UPDATE_DOCS=1 go test ./cmd/taskpoller -run TestCLIReferenceIsCurrent")
	}
}
