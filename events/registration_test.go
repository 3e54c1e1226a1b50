package events

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRegistration(t *testing.T) {
	tests := []struct {
		payload string
		ok      bool
		md      string
	}{
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
	}
	for _, tt := range tests {
		reg, err := ParseRegistration([]byte(tt.payload))
		if tt.ok != (err == nil) {
			t.Errorf("ParseRegistration(%.60s) error = %v, want ok=%v", tt.payload, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidRegistration) {
			t.Errorf("error %v does not wrap ErrInvalidRegistration", err)
		}
		if err == nil && string(reg.Metadata) != tt.md {
			t.Errorf("metadata = %s, want %s", reg.Metadata, tt.md)
		}
	}
	if _, err := ParseRegistration([]byte(`{"region_id":"cn-hangzhou","task_id":"t-a","metadata":{"k":"` + strings.Repeat("x", MaxRegistrationBytes) + `"}}`)); err == nil {
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
		reg, err := ParseRegistration(payload)
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
