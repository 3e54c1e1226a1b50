package events_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

// registrationCase is a registration payload and what ParseRegistration makes of it: whether
// it is accepted, and the metadata it keeps. The registration schema is checked against the
// same cases (registration_schema_test.go).
type registrationCase struct {
	payload string
	ok      bool
	md      string
}

func registrationCases() []registrationCase {
	return []registrationCase{
		{`{"region_id":"cn-hangzhou","task_id":"t-bp1hc3ejzkd8zy3g0x5j"}`, true, ""},
		{`{"region_id":"ap-southeast-1","task_id":"t-abc","metadata":{"a": 1, "b": [true]}}`, true, `{"a":1,"b":[true]}`},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":null}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","extra":"ignored"}`, true, ""},
		{``, false, ""},
		{`[]`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc"} {}`, false, ""},
		{`{"region_id":"CN-HANGZHOU","task_id":"t-abc"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"abc"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-*"}`, false, ""},
		{`{"region_id":"cn-hangzhou ","task_id":"t-abc"}`, false, ""},
		{`{"region_id":"abcdefgh` + strings.Repeat("-abcdefghijklmnop", 4) + `","task_id":"t-abc"}`, false, ""}, // 76 bytes
		{`{"region_id":"cn-hangzhou","task_id":"t-` + strings.Repeat("a", 63) + `"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":"x"}`, false, ""},
		{`{"region_id":1,"task_id":"t-abc"}`, false, ""},
		{"{\"region_id\":\"cn-hangzhou\",\"task_id\":\"t-abc\",\"metadata\":{\"a\":\"\xff\xfe\"}}", false, ""}, // not UTF-8
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":{"a":"中文 ✓"}}`, true, `{"a":"中文 ✓"}`},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":{}}`, true, `{}`},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":[1]}`, false, ""},
		{`{"task_id":"t-abc"}`, false, ""},
		{`{"region_id":"cn-hangzhou"}`, false, ""},
		{`{"region_id":null,"task_id":"t-abc"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":""}`, false, ""},
		{`null`, false, ""},
		{`"cn-hangzhou"`, false, ""},
		{"{\"region_id\":\"cn-hangzhou\\n\",\"task_id\":\"t-abc\"}", false, ""}, // a newline after the id
		{`{"region_id":"c-hangzhou","task_id":"t-abc"}`, false, ""},
		{`{"region_id":"cn-","task_id":"t-abc"}`, false, ""},
		{`{"region_id":"abcdefgh` + strings.Repeat("-abcdefghijklmnop", 3) + `-abcd","task_id":"t-abc"}`, true, ""},   // 64 bytes
		{`{"region_id":"abcdefgh` + strings.Repeat("-abcdefghijklmnop", 3) + `-abcde","task_id":"t-abc"}`, false, ""}, // 65 bytes
		{`{"region_id":"cn-hangzhou","task_id":"t-` + strings.Repeat("a", 62) + `"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-A_b-9"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"T-abc"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":{"k":"` + strings.Repeat("x", events.MaxMetadataBytes) + `"}}`, false, ""}, // metadata over 8 KiB
		// encoding/json matches field names case-insensitively: the parser takes these, the
		// schema (exact names, as documented) does not.
		{`{"Region_ID":"cn-hangzhou","TASK_ID":"t-abc"}`, true, ""},
		// origin: registered (the same as none) or discovered.
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":"discovered"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":"registered"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":null}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":""}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":"Discovered"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":"found"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":1}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","origin":["discovered"]}`, false, ""},
		// traceparent: W3C version 00, lowercase, ids not all zero; tracestate goes with it.
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":null,"tracestate":null}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":""}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","tracestate":"\u0001 dropped without a traceparent"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + strings.ToUpper(tp) + `"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `-"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `\n"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":1}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"a=\u00e9"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"a=b\n"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"a=` + strings.Repeat("b", 510) + `"}`, true, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"a=` + strings.Repeat("b", 511) + `"}`, false, ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","tracestate":1}`, false, ""},
	}
}

// tp is a valid traceparent (the W3C specification's example).
const tp = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

func TestParseRegistrationKeepsTheTraceContext(t *testing.T) {
	tests := []struct {
		payload       string
		parent, state string
	}{
		{`{"region_id":"cn-hangzhou","task_id":"t-abc"}`, "", ""},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","traceparent":"` + tp + `","tracestate":"rojo=1"}`, tp, "rojo=1"},
		{`{"region_id":"cn-hangzhou","task_id":"t-abc","tracestate":"rojo=1"}`, "", ""}, // dropped: it qualifies no traceparent
	}
	for _, tt := range tests {
		reg, err := events.ParseRegistration([]byte(tt.payload))
		if err != nil {
			t.Fatalf("%s: %v", tt.payload, err)
		}
		if reg.TraceParent != tt.parent || reg.TraceState != tt.state {
			t.Errorf("%s: got %q, %q; want %q, %q", tt.payload, reg.TraceParent, reg.TraceState, tt.parent, tt.state)
		}
		// Payload and ParseRegistration round-trip the trace context.
		b, err := reg.Payload()
		if err != nil {
			t.Fatal(err)
		}
		again, err := events.ParseRegistration(b)
		if err != nil || again.TraceParent != reg.TraceParent || again.TraceState != reg.TraceState {
			t.Errorf("%s: round trip got %+v, %v", b, again, err)
		}
	}
}

func TestRegistrationWithTrace(t *testing.T) {
	other := "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
	base := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-abc"}
	own := base
	own.TraceParent = tp
	tests := []struct {
		name          string
		reg           events.Registration
		parent, state string
		took          bool
		wantP, wantS  string
	}{
		{"header taken", base, other, "k=v", true, other, "k=v"},
		{"no header", base, "", "", false, "", ""},
		{"invalid header ignored", base, "00-zz", "k=v", false, "", ""},
		{"invalid tracestate left out", base, other, "k=\x01", true, other, ""},
		{"the payload's own wins", own, other, "k=v", false, tp, ""},
	}
	for _, tt := range tests {
		got, took := tt.reg.WithTrace(tt.parent, tt.state)
		if took != tt.took || got.TraceParent != tt.wantP || got.TraceState != tt.wantS {
			t.Errorf("%s: got %q, %q, %v; want %q, %q, %v", tt.name, got.TraceParent, got.TraceState, took, tt.wantP, tt.wantS, tt.took)
		}
	}
}

func TestValidTraceParent(t *testing.T) {
	tests := map[string]bool{
		tp: true,
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff": true,
		"": false,
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7":    false,
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01": false,
		"ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01": false,
		"00-00000000000000000000000000000000-00f067aa0ba902b7-01": false,
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01": false,
		"00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01": false,
		tp + "\n": false,
	}
	for s, want := range tests {
		if got := events.ValidTraceParent(s); got != want {
			t.Errorf("ValidTraceParent(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestParseRegistration(t *testing.T) {
	for _, tt := range registrationCases() {
		reg, err := events.ParseRegistration([]byte(tt.payload))
		if tt.ok != (err == nil) {
			t.Errorf("ParseRegistration(%.60s) error = %v, want ok=%v", tt.payload, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, events.ErrInvalidRegistration) {
			t.Errorf("error %v does not wrap ErrInvalidRegistration", err)
		}
		if err == nil && string(reg.Metadata) != tt.md {
			t.Errorf("metadata = %s, want %s", reg.Metadata, tt.md)
		}
	}
	if _, err := events.ParseRegistration([]byte(`{"region_id":"cn-hangzhou","task_id":"t-a","metadata":{"k":"` + strings.Repeat("x", events.MaxRegistrationBytes) + `"}}`)); err == nil {
		t.Error("oversized payload accepted")
	}
}

// FuzzParseRegistration: whatever arrives, the parser never panics, and what it accepts is safe
// to put in a subject.
func FuzzParseRegistration(f *testing.F) {
	f.Add([]byte(`{"region_id":"cn-hangzhou","task_id":"t-abc","metadata":{"a":1}}`))
	f.Add([]byte(`{"region_id":"cn.hangzhou","task_id":"t-a>"}`))
	f.Add([]byte(`not json`))
	f.Fuzz(func(t *testing.T, payload []byte) {
		reg, err := events.ParseRegistration(payload)
		if err != nil {
			return
		}
		for _, s := range []string{reg.RegionID, reg.TaskID} {
			if s == "" || strings.ContainsAny(s, ".*> \t\r\n") {
				t.Fatalf("accepted unsafe token %q", s)
			}
		}
	})
}
