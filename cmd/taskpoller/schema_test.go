package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

// `taskpoller schema` lists every schema and prints each by name or by $id, as its file holds it.
func TestSchemaCommand(t *testing.T) {
	run := func(args ...string) (string, string, int) {
		var out, errOut bytes.Buffer
		code := realMain(context.Background(), append([]string{"schema"}, args...), &out, &errOut)
		return out.String(), errOut.String(), code
	}
	list, _, code := run()
	if code != 0 {
		t.Fatalf("schema: exit %d", code)
	}
	for _, name := range events.SchemaNames() {
		id := events.SchemaID(name)
		if !strings.Contains(list, name+" ") || !strings.Contains(list, id) {
			t.Errorf("the list lacks %s (%s):\n%s", name, id, list)
		}
		for _, arg := range []string{name, id} {
			out, stderr, code := run(arg)
			want, _ := events.Schema(name)
			if code != 0 || out != string(want) {
				t.Errorf("schema %s: exit %d, %d bytes (want %d), stderr %q", arg, code, len(out), len(want), stderr)
				continue
			}
			var doc struct {
				ID string `json:"$id"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.ID != id {
				t.Errorf("schema %s: $id %q, %v", arg, doc.ID, err)
			}
		}
	}
	for _, tt := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"nope"}, 1, "no schema \"nope\"; there are: cloudevent"},
		{[]string{"../event.go"}, 1, "no schema"},
		{[]string{"finished", "failed"}, 2, "unexpected arguments"},
		{[]string{"--nope"}, 2, "not defined"},
		{[]string{"--help"}, 0, "Usage: taskpoller schema [name]"},
	} {
		out, stderr, code := run(tt.args...)
		if code != tt.code || !strings.Contains(out+stderr, tt.say) {
			t.Errorf("schema %v: exit %d, output %q; want exit %d saying %q", tt.args, code, out+stderr, tt.code, tt.say)
		}
	}
}
