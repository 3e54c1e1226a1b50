package events_test

import (
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

const draft2020 = "https://json-schema.org/draft/2020-12/schema"

// schemaDoc reads the schema called name from events.Schemas.
func schemaDoc(t *testing.T, name string) map[string]any {
	t.Helper()
	b, err := events.Schema(name)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("schema %s: %v", name, err)
	}
	return doc
}

// Every schema is draft 2020-12 with the $id its name gives, they all compile together, and
// every dataschema an event can carry names one of them.
func TestSchemasCompileAsDraft2020(t *testing.T) {
	names := events.SchemaNames()
	want := []string{events.SchemaCloudEvent, events.SchemaRegistration, events.SchemaInvalid, events.SchemaTask}
	for _, k := range events.Kinds {
		want = append(want, string(k))
	}
	for _, w := range want {
		if !slices.Contains(names, w) {
			t.Errorf("no schema %q among %v", w, names)
		}
	}
	for _, name := range names {
		doc := schemaDoc(t, name)
		if doc["$schema"] != draft2020 {
			t.Errorf("%s: $schema %v, want %s", name, doc["$schema"], draft2020)
		}
		if id := events.SchemaID(name); doc["$id"] != id {
			t.Errorf("%s: $id %v, want %s", name, doc["$id"], id)
		}
		if got, ok := events.SchemaName(events.SchemaID(name)); !ok || got != name {
			t.Errorf("SchemaName(SchemaID(%q)) = %q, %v", name, got, ok)
		}
		if doc["title"] == nil || doc["description"] == nil {
			t.Errorf("%s: no title or description", name)
		}
	}
	newValidator(t) // compiles every schema, each checked against the 2020-12 metaschema
	for _, id := range []string{events.KindStatusChanged.DataSchema(), events.KindProgress.DataSchema(),
		events.KindFinished.DataSchema(), events.KindFailed.DataSchema(), events.InvalidDataSchema} {
		name, ok := events.SchemaName(id)
		if !ok || !slices.Contains(names, name) || !strings.HasPrefix(id, "urn:taskpoller:events:v1:") {
			t.Errorf("dataschema %s names no schema", id)
		}
	}
	if got := events.Kind("nope").DataSchema(); got != "" {
		t.Errorf("unknown kind's dataschema = %q", got)
	}
	for _, bad := range []string{"nope", "../event.go", "schema/task", "", "urn:taskpoller:events:v1:"} {
		if _, err := events.Schema(bad); err == nil {
			t.Errorf("Schema(%q) found something", bad)
		}
	}
	for _, alias := range []string{events.KindFinished.DataSchema(), "finished.schema.json"} {
		if b, err := events.Schema(alias); err != nil || !strings.Contains(string(b), `"$id": "urn:taskpoller:events:v1:finished"`) {
			t.Errorf("Schema(%q): %v", alias, err)
		}
	}
	if _, err := fs.Stat(events.Schemas(), "finished.schema.json"); err != nil {
		t.Error(err)
	}
}

// jsonFields returns the JSON names of a struct's fields and, apart, those always encoded
// (no omitempty).
func jsonFields(v any) (all, always []string) {
	rt := reflect.TypeOf(v)
	for i := range rt.NumField() {
		name, opts, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		all = append(all, name)
		if !strings.Contains(opts, "omit") {
			always = append(always, name)
		}
	}
	return all, always
}

// The schemas and the Go types name the same fields, and a field is required exactly when
// Go always encodes it: a field added to the Go types without its schema fails here.
func TestSchemasMatchGoTypes(t *testing.T) {
	task := schemaDoc(t, events.SchemaTask)
	defs := task["$defs"].(map[string]any)
	envelope := schemaDoc(t, events.SchemaCloudEvent)
	tests := []struct {
		name   string
		goType any
		schema any
		open   bool     // the Go type is a subset of the schema's properties
		more   []string // required elsewhere in the schema
	}{
		{"Data", events.Data{}, task, false, nil},
		{"Operation", events.Operation{}, defs["operation"], false, nil},
		{"RelatedItem", events.RelatedItem{}, defs["related_item"], false, nil},
		{"InvalidData", events.InvalidData{}, schemaDoc(t, events.SchemaInvalid), false, nil},
		{"RegistrationMessage", events.RegistrationMessage{}, schemaDoc(t, events.SchemaRegistration), false, nil},
		{"Event", events.Event{}, envelope, false, []string{"subject"}}, // $defs/task_event
		{"Invalid", events.Invalid{}, envelope, true, nil},              // no subject
	}
	for _, tt := range tests {
		s := tt.schema.(map[string]any)
		var props []string
		for p := range s["properties"].(map[string]any) {
			props = append(props, p)
		}
		required := slices.Clone(tt.more)
		for _, r := range s["required"].([]any) {
			required = append(required, r.(string))
		}
		all, always := jsonFields(tt.goType)
		slices.Sort(props)
		slices.Sort(all)
		slices.Sort(required)
		slices.Sort(always)
		if !tt.open && !slices.Equal(props, all) {
			t.Errorf("%s: schema properties %v, Go fields %v", tt.name, props, all)
		}
		for _, f := range all {
			if !slices.Contains(props, f) {
				t.Errorf("%s: field %s is not in the schema", tt.name, f)
			}
		}
		if tt.name == "RegistrationMessage" {
			// region_id and task_id are checked, not encoded always; metadata is optional.
			always = []string{"region_id", "task_id"}
		}
		if !slices.Equal(required, always) {
			t.Errorf("%s: schema requires %v, Go always encodes %v", tt.name, required, always)
		}
	}
}
