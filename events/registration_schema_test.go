package events_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/schematest"
)

// beyondSchema says why the registration schema cannot judge payload as ParseRegistration
// does ("" when it can). A schema sees a parsed JSON value: not its bytes (so not the size
// limits, nor bytes that are not UTF-8, which parsers replace), and field names exactly as
// written, where encoding/json also takes a name that differs only in case.
func beyondSchema(payload []byte) string {
	switch {
	case len(payload) > events.MaxRegistrationBytes:
		return "payload over the size limit"
	case !utf8.Valid(payload):
		return "not UTF-8"
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(payload, &top) != nil {
		return ""
	}
	for k, v := range top {
		for _, field := range []string{"account", "region_id", "task_id", "metadata", "origin", "traceparent", "tracestate"} {
			if k != field && strings.EqualFold(k, field) {
				return "field name " + k + " taken for " + field
			}
		}
		if k == "metadata" && len(bytes.TrimSpace(v)) > events.MaxMetadataBytes {
			return "metadata over the size limit"
		}
	}
	return ""
}

// agree checks that the registration schema and ParseRegistration judge payload alike,
// unless the payload is beyond what a schema can see; there the schema may only be more
// lenient about sizes and UTF-8 (the worker still refuses), or stricter about field names.
func agree(v *schematest.Validator, payload []byte) error {
	_, perr := events.ParseRegistration(payload)
	serr := v.Registration(payload)
	if why := beyondSchema(payload); why != "" {
		if perr == nil && !strings.HasPrefix(why, "field name") {
			return fmt.Errorf("%s, yet ParseRegistration accepted it", why)
		}
		return nil
	}
	if (perr == nil) != (serr == nil) {
		return fmt.Errorf("ParseRegistration: %v; schema: %v", perr, serr)
	}
	return nil
}

func TestRegistrationSchemaAgreesWithParseRegistration(t *testing.T) {
	v := newValidator(t)
	for _, tt := range registrationCases() {
		p := []byte(tt.payload)
		if err := agree(v, p); err != nil {
			t.Errorf("%.80q: %v", tt.payload, err)
		}
		if beyondSchema(p) == "" && (v.Registration(p) == nil) != tt.ok {
			t.Errorf("%.80q: schema says %v, want ok=%v", tt.payload, v.Registration(p), tt.ok)
		}
	}
}

// TestRegistrationSchemaAgreesOnCombinations crosses candidate ids and metadata, near the
// edges of the patterns, and checks schema and parser agree on every combination.
func TestRegistrationSchemaAgreesOnCombinations(t *testing.T) {
	v := newValidator(t)
	regions := []string{`"cn-hangzhou"`, `"ap-southeast-1"`, `"us-east-1"`, `"cn"`, `"c-h"`, `"cn-"`, `"-cn"`, `"cn--h"`,
		`"cn-Hangzhou"`, `"cn_hangzhou"`, `"cn.hangzhou"`, `"abcdefghi-x"`, `"cn-a-b-c-d"`, `"cn-a-b-c-d-e"`,
		`"cn-` + strings.Repeat("a", 16) + `"`, `"cn-` + strings.Repeat("a", 17) + `"`, `"cn-hangzhou\t"`, `"\u0063n-hangzhou"`,
		`""`, `null`, `1`, `["cn-hangzhou"]`}
	tasks := []string{`"t-1"`, `"t-bp1hc3ejzkd8zy3g0x5j"`, `"t-_"`, `"t--"`, `"t-"`, `"t-a.b"`, `"t-a>"`, `"t-a*"`, `"t-a b"`,
		`"t-é"`, `"T-1"`, `"x-1"`, `"t-` + strings.Repeat("z", 62) + `"`, `"t-` + strings.Repeat("z", 63) + `"`, `""`, `null`, `7`}
	metas := []string{"", `,"metadata":null`, `,"metadata":{}`, `,"metadata":{"a":{"b":[1,2.5e3,null,true]}}`,
		`,"metadata":[]`, `,"metadata":"x"`, `,"metadata":0`, `,"metadata":{"k":"` + strings.Repeat("v", events.MaxMetadataBytes) + `"}`,
		`,"other":1`, `,"traceparent":"` + tp + `"`, `,"traceparent":"` + tp + `","tracestate":"a=1"`,
		`,"traceparent":"` + tp + `","tracestate":"\u0007"`, `,"tracestate":"\u0007"`, `,"traceparent":null,"tracestate":"\u0007"`,
		`,"traceparent":"00-` + strings.Repeat("0", 32) + `-00f067aa0ba902b7-01"`, `,"traceparent":"` + tp[:54] + `"`,
		`,"traceparent":["` + tp + `"]`}
	n := 0
	for _, r := range regions {
		for _, tk := range tasks {
			for _, m := range metas {
				for _, p := range []string{
					`{"region_id":` + r + `,"task_id":` + tk + m + `}`,
					`{"task_id":` + tk + m + `}`,
					`{"region_id":` + r + m + `}`,
				} {
					n++
					if err := agree(v, []byte(p)); err != nil {
						t.Errorf("%.100s: %v", p, err)
					}
				}
			}
		}
	}
	t.Logf("%d payloads", n)
}

// FuzzRegistrationSchema: whatever the payload, the schema and the parser agree (see agree).
func FuzzRegistrationSchema(f *testing.F) {
	for _, tt := range registrationCases() {
		f.Add([]byte(tt.payload))
	}
	v, err := schematest.New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if err := agree(v, payload); err != nil {
			t.Fatalf("%q: %v", payload, err)
		}
	})
}

func newValidator(t *testing.T) *schematest.Validator {
	t.Helper()
	v, err := schematest.New()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
