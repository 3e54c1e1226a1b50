package events_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

// The schemas are read by other validators than the Go one (deploy/schemacheck runs Debian's
// python3-jsonschema 4.10 and node-ajv 6 on the demo's events). These tests keep them within
// what those read as draft 2020-12 means.

// portableKeywords are the keywords the schemas may use: those whose meaning is the same in
// draft-07 (ajv 6, with extendRefs: true so that $ref's siblings apply as in 2020-12) and in
// draft 2020-12. $defs is no draft-07 keyword, but ajv 6 resolves "#/$defs/x" as a JSON
// pointer all the same. A keyword new in 2019-09 or 2020-12 (prefixItems, unevaluatedProperties,
// dependentRequired, $anchor, $dynamicRef, ...) would be ignored by ajv 6, silently.
var portableKeywords = []string{
	"$schema", "$id", "$ref", "$defs", "$comment", "title", "description", "examples", "default",
	"type", "enum", "const", "format", "pattern", "minLength", "maxLength",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"properties", "required", "additionalProperties", "patternProperties", "propertyNames",
	"minProperties", "maxProperties", "items", "minItems", "maxItems", "uniqueItems", "contains",
	"allOf", "anyOf", "oneOf", "not", "if", "then", "else",
}

// portableFormats are the formats every validator used knows (ajv 6 refuses to compile a
// schema with another).
var portableFormats = []string{"date-time", "date", "time", "email", "hostname", "ipv4", "ipv6", "uri", "uuid"}

// walkSchema calls visit with every subschema of v, named by its JSON pointer in file.
func walkSchema(t *testing.T, file, ptr string, v any, visit func(ptr string, s map[string]any)) {
	t.Helper()
	if _, ok := v.(bool); ok {
		return
	}
	s, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s#%s: %T where a schema should be", file, ptr, v)
		return
	}
	visit(ptr, s)
	for k, sub := range s {
		at := ptr + "/" + k
		switch k {
		case "not", "if", "then", "else", "additionalProperties", "propertyNames", "contains", "items":
			walkSchema(t, file, at, sub, visit)
		case "properties", "patternProperties", "$defs":
			for name, s := range sub.(map[string]any) {
				walkSchema(t, file, at+"/"+name, s, visit)
			}
		case "allOf", "anyOf", "oneOf":
			for i, s := range sub.([]any) {
				walkSchema(t, file, fmt.Sprintf("%s/%d", at, i), s, visit)
			}
		}
	}
}

func TestSchemasArePortable(t *testing.T) {
	ids := map[string]map[string]any{} // $id: the schema
	for _, name := range events.SchemaNames() {
		ids[events.SchemaID(name)] = schemaDoc(t, name)
	}
	for _, name := range events.SchemaNames() {
		file := name + ".schema.json"
		walkSchema(t, file, "", ids[events.SchemaID(name)], func(ptr string, s map[string]any) {
			for k := range s {
				if !slices.Contains(portableKeywords, k) {
					t.Errorf("%s#%s: keyword %q is not one ajv 6 (draft-07) reads as 2020-12 does", file, ptr, k)
				}
			}
			if _, ok := s["$id"]; ok && ptr != "" {
				t.Errorf("%s#%s: $id inside a schema: validators disagree on the base it sets; give it a file of its own", file, ptr)
			}
			if f, ok := s["format"].(string); ok && !slices.Contains(portableFormats, f) {
				t.Errorf("%s#%s: format %q is not one every validator knows (%v)", file, ptr, f, portableFormats)
			}
			if p, ok := s["pattern"].(string); ok {
				for _, class := range []string{`\d`, `\D`, `\w`, `\W`, `\s`, `\S`, `\b`, `\B`} {
					if strings.Contains(p, class) {
						t.Errorf("%s#%s: pattern %q uses %s, which Python's re reads as Unicode and ECMA-262 and Go as ASCII: spell the class out ([0-9])", file, ptr, p, class)
					}
				}
			}
			ref, ok := s["$ref"].(string)
			if !ok {
				return
			}
			// jsonschema before 4.18 (Debian 12's 4.10) joins a reference to the base URI with
			// urllib's urljoin, which drops a urn: base: "#/$defs/x" in a schema reached from
			// another would be looked up in the other one. So every $ref names its schema.
			id, frag, _ := strings.Cut(ref, "#")
			target, known := ids[id]
			if !known {
				t.Errorf("%s#%s: $ref %q does not start with the $id of a schema (urn:taskpoller:events:v1:<name>), even within its own file", file, ptr, ref)
				return
			}
			if frag == "" {
				return
			}
			def, ok := strings.CutPrefix(frag, "/$defs/")
			defs, _ := target["$defs"].(map[string]any)
			if _, found := defs[def]; !ok || !found || strings.Contains(def, "/") {
				t.Errorf("%s#%s: $ref %q is not <schema $id>#/$defs/<a definition of it>", file, ptr, ref)
			}
		})
	}
}
