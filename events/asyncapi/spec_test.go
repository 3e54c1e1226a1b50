package asyncapi_test

import (
	"os"
	"strings"
	"testing"
)

// specURL is the $id of the published JSON Schema of AsyncAPI 3.0.0 documents, vendored in
// testdata/spec-json-schemas (see SOURCE.md there).
const specURL = "http://asyncapi.com/definitions/3.0.0/asyncapi.json"

// The document is a valid AsyncAPI 3.0.0 document: it passes the published JSON Schema of the
// specification, and breaking it makes it fail (so the check is not vacuous).
func TestDocumentIsAsyncAPI300(t *testing.T) {
	raw, err := os.ReadFile("testdata/spec-json-schemas/3.0.0.json")
	if err != nil {
		t.Fatal(err)
	}
	spec := compile(t, specURL, raw)
	for _, prefix := range prefixes {
		d := document(t, prefix)
		if d.AsyncAPI != "3.0.0" {
			t.Errorf("asyncapi %q, want 3.0.0", d.AsyncAPI)
		}
		if err := spec.Validate(decoded(t, d)); err != nil {
			t.Errorf("the document of prefix %s is not valid AsyncAPI 3.0.0: %v", prefix, err)
		}
	}
	broken := map[string]func(m map[string]any){
		"version 2.6.0":          func(m map[string]any) { m["asyncapi"] = "2.6.0" },
		"no info":                func(m map[string]any) { delete(m, "info") },
		"unknown field":          func(m map[string]any) { m["topics"] = map[string]any{} },
		"action publish":         func(m map[string]any) { op(m, "sendFinished")["action"] = "publish" },
		"operation sans channel": func(m map[string]any) { delete(op(m, "receiveRegistration"), "channel") },
		"parameter with a schema": func(m map[string]any) {
			ch := m["channels"].(map[string]any)["finished"].(map[string]any)
			ch["parameters"].(map[string]any)["region"].(map[string]any)["schema"] = map[string]any{"type": "string"}
		},
	}
	for name, breakIt := range broken {
		m := decoded(t, document(t, prefixes[0])).(map[string]any)
		breakIt(m)
		if err := spec.Validate(m); err == nil {
			t.Errorf("%s: the AsyncAPI 3.0.0 schema accepts it", name)
		} else if strings.TrimSpace(err.Error()) == "" {
			t.Errorf("%s: an empty error", name)
		}
	}
}

func op(m map[string]any, id string) map[string]any {
	return m["operations"].(map[string]any)[id].(map[string]any)
}
