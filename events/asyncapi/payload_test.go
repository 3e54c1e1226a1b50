package asyncapi_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/asyncapi"
)

// payload is what the tests read of a payload schema.
type payload struct {
	Schema     string                            `json:"$schema"`
	Ref        string                            `json:"$ref"`
	Properties map[string]struct{ Const string } `json:"properties"`
	Defs       map[string]json.RawMessage        `json:"$defs"`
}

// messageOf returns the one message of channel id.
func messageOf(t *testing.T, d asyncapi.Document, id string) asyncapi.Message {
	t.Helper()
	ch, ok := d.Channels[id]
	if !ok || len(ch.Messages) != 1 {
		t.Fatalf("channel %s: %d messages, want 1", id, len(ch.Messages))
	}
	for _, m := range ch.Messages {
		return m
	}
	panic("unreachable")
}

// equalJSON reports whether a and b are the same JSON value.
func equalJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(x, y)
}

// Each message's payload is the embedded schema of what it carries — the registration schema
// on P.registered, the cloudevent schema with its type and dataschema fixed on the others —,
// with the embedded schemas it refers to in $defs, each exactly as events.Schema holds it.
func TestPayloadsAreTheEmbeddedSchemas(t *testing.T) {
	d := document(t, events.DefaultPrefix)
	type want struct{ root, typ, dataSchema, contentType string }
	wants := map[string]want{
		asyncapi.ChannelRegistered: {root: events.SchemaRegistration, contentType: "application/json"},
		asyncapi.ChannelInvalid:    {root: events.SchemaCloudEvent, typ: events.TypeInvalid, dataSchema: events.InvalidDataSchema, contentType: events.ContentType},
	}
	for _, k := range events.Kinds {
		wants[string(k)] = want{root: events.SchemaCloudEvent, typ: k.Type(), dataSchema: k.DataSchema(), contentType: events.ContentType}
	}
	if got := slices.Sorted(maps.Keys(d.Channels)); !slices.Equal(got, slices.Sorted(maps.Keys(wants))) {
		t.Fatalf("channels %v, want %v", got, slices.Sorted(maps.Keys(wants)))
	}
	for id, w := range wants {
		m := messageOf(t, d, id)
		if m.Payload.SchemaFormat != "application/schema+json;version=draft-2020-12" || m.ContentType != w.contentType {
			t.Errorf("channel %s: schemaFormat %q, contentType %q", id, m.Payload.SchemaFormat, m.ContentType)
		}
		var p payload
		if err := json.Unmarshal(m.Payload.Schema, &p); err != nil {
			t.Fatalf("channel %s: %v", id, err)
		}
		if p.Schema != "https://json-schema.org/draft/2020-12/schema" || p.Ref != events.SchemaID(w.root) {
			t.Errorf("channel %s: $schema %q, $ref %q; want 2020-12 and %s", id, p.Schema, p.Ref, events.SchemaID(w.root))
		}
		if p.Properties["type"].Const != w.typ || p.Properties["dataschema"].Const != w.dataSchema {
			t.Errorf("channel %s: type %q, dataschema %q; want %q, %q", id, p.Properties["type"].Const, p.Properties["dataschema"].Const, w.typ, w.dataSchema)
		}
		wantDefs := []string{w.root}
		if w.root == events.SchemaCloudEvent { // it refers to every schema of the contract
			wantDefs = events.SchemaNames()
		}
		if got := slices.Sorted(maps.Keys(p.Defs)); !slices.Equal(got, wantDefs) {
			t.Errorf("channel %s: $defs %v, want %v", id, got, wantDefs)
		}
		for name, raw := range p.Defs {
			file, err := events.Schema(name)
			if err != nil {
				t.Fatal(err)
			}
			if !equalJSON(t, raw, file) {
				t.Errorf("channel %s: $defs/%s is not events/schema/%s.schema.json", id, name, name)
			}
		}
	}
}

// samples are messages the code builds, by the channel they are published on.
func samples(t *testing.T) map[string][][]byte {
	t.Helper()
	enc := func(v any) []byte {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	reg, err := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-bp1hc3ejzkd8zy3g0x5j", Metadata: json.RawMessage(`{"ticket":"OPS-42"}`)}.Payload()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]byte{
		asyncapi.ChannelRegistered: {reg, []byte(`{"region_id":"ap-southeast-1","task_id":"t-x","origin":"discovered"}`)},
		asyncapi.ChannelInvalid:    {enc(events.NewInvalid(7, []byte(`{"task_id":"t-1"}`), errors.New("invalid registration: region_id is missing"), time.Now()))},
	}
	base := events.Data{
		TaskID: "t-bp1hc3ejzkd8zy3g0x5j", RegionID: "cn-hangzhou", TaskAction: "ExportImage", TaskStatus: "Processing",
		PreviousStatus: "Waiting", TaskProcess: "45%", CreationTime: "2026-11-27T07:50Z", TotalCount: 1, StatusOrdinal: 2,
		Operations: []events.Operation{}, OSSObjects: []string{}, Origin: events.OriginRegistered,
	}
	for _, k := range events.Kinds {
		data := base
		switch k {
		case events.KindFinished:
			data.TaskStatus, data.PreviousStatus, data.TaskProcess, data.SuccessCount, data.StatusOrdinal = "Finished", "Processing", "100%", 1, 3
			data.FinishedTime = "2026-11-27T08:04Z"
		case events.KindFailed:
			data.TaskStatus, data.PreviousStatus, data.StatusOrdinal, data.FailedCount, data.Reason = "Failed", "Processing", 3, 1, events.ReasonTaskFailed
		}
		id, err := events.ID(data.RegionID, data.TaskID, k, data.StatusOrdinal, data.TaskStatus, data.TaskProcess)
		if err != nil {
			t.Fatal(err)
		}
		out[string(k)] = [][]byte{enc(events.Event{
			SpecVersion: events.SpecVersion, ID: id, Source: events.EventSource(data.RegionID), Type: k.Type(), Subject: data.TaskID,
			Time: time.Date(2026, 11, 27, 8, 4, 1, 0, time.UTC), DataContentType: "application/json", DataSchema: k.DataSchema(), Data: data,
		})}
	}
	return out
}

// A message the code builds passes the payload of its own channel and no other's: the
// payloads validate on their own (no schema to load beside them), and tell the kinds apart.
func TestMessagesTheCodeBuildsMatchTheirPayload(t *testing.T) {
	d := document(t, events.DefaultPrefix)
	all := samples(t)
	for id := range d.Channels {
		m := messageOf(t, d, id)
		sch := compile(t, "urn:test:payload:"+id, m.Payload.Schema)
		for from, msgs := range all {
			for _, raw := range msgs {
				var inst any
				if err := json.Unmarshal(raw, &inst); err != nil {
					t.Fatal(err)
				}
				err := sch.Validate(inst)
				if from == id && err != nil {
					t.Errorf("a %s message fails its payload: %v\n%s", id, err, raw)
				}
				if from != id && err == nil {
					t.Errorf("a %s message passes the payload of %s", from, id)
				}
			}
		}
	}
}
