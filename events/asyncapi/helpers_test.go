package asyncapi_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/asyncapi"
)

// prefixes are the subject prefixes the tests build documents for: the default and another.
var prefixes = []string{events.DefaultPrefix, "acme-1.ecs_jobs"}

// document builds the document of prefix.
func document(t *testing.T, prefix string) asyncapi.Document {
	t.Helper()
	s, err := events.NewSubjects(prefix)
	if err != nil {
		t.Fatal(err)
	}
	d, err := asyncapi.New(s)
	if err != nil {
		t.Fatalf("New(%s): %v", prefix, err)
	}
	return d
}

// decoded is v encoded and decoded again as generic JSON, as a validator sees it.
func decoded(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// compile compiles the JSON Schema raw (draft 2020-12 by default, formats asserted).
func compile(t *testing.T, url string, raw []byte) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile %s: %v", url, err)
	}
	return sch
}
