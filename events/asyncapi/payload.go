package asyncapi

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/taskpoller/taskpoller/events"
)

// jsonSchemaDraft is the $schema of every payload: the draft of the schemas of package events.
const jsonSchemaDraft = "https://json-schema.org/draft/2020-12/schema"

// bundled is a self-contained JSON Schema: the schema of package events whose $id is Ref,
// narrowed by Properties, with every schema it refers to, transitively, embedded in Defs under
// its name (a 2020-12 compound schema document: each embedded schema keeps its $id, which is
// what the $refs name).
type bundled struct {
	Schema      string                     `json:"$schema"`
	Description string                     `json:"description,omitempty"`
	Ref         string                     `json:"$ref"`
	Properties  map[string]property        `json:"properties,omitempty"`
	Defs        map[string]json.RawMessage `json:"$defs"`
}

// property narrows one property of a payload or headers schema.
type property struct {
	Description string `json:"description,omitempty"`
	Type        string `json:"type,omitempty"`
	Const       string `json:"const,omitempty"`
}

// bundle returns the schema called root with the constants consts (property name → value)
// beside its $ref, and every schema root needs in $defs, each as its file holds it.
func bundle(root, description string, consts map[string]string) (Schema, error) {
	names, err := closure(root)
	if err != nil {
		return Schema{}, err
	}
	b := bundled{Schema: jsonSchemaDraft, Description: description, Ref: events.SchemaID(root), Defs: make(map[string]json.RawMessage, len(names))}
	for _, name := range names {
		raw, err := events.Schema(name)
		if err != nil {
			return Schema{}, err
		}
		b.Defs[name] = raw
	}
	for prop, value := range consts {
		if b.Properties == nil {
			b.Properties = make(map[string]property, len(consts))
		}
		b.Properties[prop] = property{Const: value}
	}
	return encodeSchema(b)
}

// encodeSchema makes v, a JSON Schema, the schema of a Multi Format Schema Object.
func encodeSchema(v any) (Schema, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return Schema{}, fmt.Errorf("encode schema: %w", err)
	}
	return Schema{SchemaFormat: SchemaFormat, Schema: raw}, nil
}

// closure lists, sorted, the names of root and of every schema of package events it refers to
// by $id, transitively. A $ref to anything else is an error: a payload must be self-contained.
func closure(root string) ([]string, error) {
	seen := map[string]bool{}
	todo := []string{root}
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		raw, err := events.Schema(name)
		if err != nil {
			return nil, err
		}
		var doc any
		if err := json.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		for _, ref := range refs(doc) {
			id, _, _ := strings.Cut(ref, "#")
			to, ok := events.SchemaName(id)
			if !ok {
				return nil, fmt.Errorf("schema %s: $ref %q is not a schema of package events", name, ref)
			}
			todo = append(todo, to)
		}
	}
	names := make([]string, 0, len(seen))
	for name := range seen {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, nil
}

// refs returns every "$ref" string in the decoded JSON v.
func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if s, ok := e.(string); ok && k == "$ref" {
				out = append(out, s)
				continue
			}
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, refs(e)...)
		}
	}
	return out
}
