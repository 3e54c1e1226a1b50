// Package schematest checks JSON against the schemas of package events (events.Schemas), for
// tests: a test that reads published events or registrations validates each one with a
// Validator, so the Go code and the schemas non-Go consumers rely on cannot drift apart.
//
// It imports a JSON Schema validator (github.com/santhosh-tekuri/jsonschema/v6), which package
// events itself does not: import schematest from tests only.
package schematest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/taskpoller/taskpoller/events"
)

// Validator holds every schema of events.Schemas, compiled as JSON Schema draft 2020-12 with
// "format" asserted (date-time is checked). It is safe for concurrent use.
type Validator struct {
	byID map[string]*jsonschema.Schema
}

// New compiles the schemas. It fails when a schema is not valid JSON Schema 2020-12, has no
// $id, or refers to a schema that is not there.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	files := events.Schemas()
	names := events.SchemaNames()
	ids := make([]string, 0, len(names))
	for _, name := range names {
		b, err := fs.ReadFile(files, name+".schema.json")
		if err != nil {
			return nil, err
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		id, _ := doc.(map[string]any)["$id"].(string)
		if id == "" {
			return nil, fmt.Errorf("schema %s: no $id", name)
		}
		if err := c.AddResource(id, doc); err != nil {
			return nil, fmt.Errorf("schema %s: %w", name, err)
		}
		ids = append(ids, id)
	}
	v := &Validator{byID: make(map[string]*jsonschema.Schema, len(ids))}
	for _, id := range ids {
		sch, err := c.Compile(id)
		if err != nil {
			return nil, fmt.Errorf("compile %s: %w", id, err)
		}
		v.byID[id] = sch
	}
	return v, nil
}

// Validate checks the JSON document doc against the schema whose $id is id.
func (v *Validator) Validate(id string, doc []byte) error {
	sch, ok := v.byID[id]
	if !ok {
		return fmt.Errorf("no schema %q", id)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return sch.Validate(inst)
}

// Event checks one CloudEvent as published (the NATS payload): its data against the schema
// its dataschema names, and the whole event against the cloudevent schema (envelope, and the
// type, id, dataschema and data that go together).
func (v *Validator) Event(raw []byte) error {
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("event is not JSON: %w", err)
	}
	obj, ok := inst.(map[string]any)
	if !ok {
		return errors.New("event is not a JSON object")
	}
	var errs []error
	id, _ := obj["dataschema"].(string)
	if data, ok := v.byID[id]; !ok {
		errs = append(errs, fmt.Errorf("dataschema %q names no schema", id))
	} else if err := data.Validate(obj["data"]); err != nil {
		errs = append(errs, fmt.Errorf("data: %w", err))
	}
	if err := v.byID[events.SchemaID(events.SchemaCloudEvent)].Validate(inst); err != nil {
		errs = append(errs, fmt.Errorf("event: %w", err))
	}
	if len(errs) > 0 {
		return fmt.Errorf("event %v of type %v: %w", obj["id"], obj["type"], errors.Join(errs...))
	}
	return nil
}

// Registration checks a registration payload against the registration schema.
func (v *Validator) Registration(payload []byte) error {
	return v.Validate(events.SchemaID(events.SchemaRegistration), payload)
}
