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
