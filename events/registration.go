package events

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"
)

// Limits of a registration message.
const (
	MaxRegistrationBytes = 16 << 10 // whole payload
	MaxMetadataBytes     = 8 << 10  // the metadata object, as sent
	MaxInvalidPayload    = 4 << 10  // bytes of a refused payload echoed on <prefix>.invalid
)

var (
	// regionPattern: ECS region ids, e.g. cn-hangzhou, ap-southeast-1.
	regionPattern = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,16}){1,4}$`)
	// accountPattern: names of accounts in an accounts file, e.g. prod-eu.
	accountPattern = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)
	// taskPattern: ECS task ids, e.g. t-bp1hc3ejzkd8zy3g0x5j.
	taskPattern = regexp.MustCompile(`^t-[A-Za-z0-9_-]{1,62}$`)
)

// RegistrationMessage is the JSON payload on <prefix>.registered.
type RegistrationMessage struct {
	// Account names the account of the task (taskpoller run --accounts); absent: the
	// fleet's default account.
	Account  string          `json:"account,omitempty"`
	RegionID string          `json:"region_id"`
	TaskID   string          `json:"task_id"`
	Metadata json.RawMessage `json:"metadata,omitempty"`
	// Origin says how the task came to be tracked; absent (producers) means registered.
	Origin Origin `json:"origin,omitempty"`
	// TraceParent and TraceState are the W3C trace context of whatever asked for the task
	// (see ValidTraceParent); every event of the task carries them.
	TraceParent string `json:"traceparent,omitempty"`
	TraceState  string `json:"tracestate,omitempty"`
}

// Registration is a validated request to track one task.
type Registration struct {
	Account  string // "" : the fleet's default account; else a name of its accounts file (ValidAccount)
	RegionID string
	TaskID   string
	Metadata json.RawMessage // a JSON object, compacted; nil when none
	Origin   Origin          // "" or OriginRegistered: a producer's; OriginDiscovered: a worker's discovery
	// TraceParent is a valid W3C traceparent (ValidTraceParent) or ""; TraceState qualifies
	// it ("" when TraceParent is).
	TraceParent string
	TraceState  string
}

// Key identifies a task across workers and registrations: "<region>.<task>".
func (r Registration) Key() string { return r.RegionID + "." + r.TaskID }

// Payload returns the registration as producers publish it on <prefix>.registered.
func (r Registration) Payload() ([]byte, error) {
	return json.Marshal(RegistrationMessage(r))
}

// ErrInvalidRegistration wraps every reason a registration is refused.
var ErrInvalidRegistration = errors.New("invalid registration")

// ParseRegistration decodes and validates a registration payload. Errors wrap
// ErrInvalidRegistration and say what is wrong in words fit for the <prefix>.invalid report.
func ParseRegistration(payload []byte) (Registration, error) {
	if len(payload) > MaxRegistrationBytes {
		return Registration{}, invalidf("payload is %d bytes, more than %d", len(payload), MaxRegistrationBytes)
	}
	if !utf8.Valid(payload) {
		// JSON is UTF-8; invalid bytes in metadata would be echoed into every event.
		return Registration{}, invalidf("payload is not valid UTF-8")
	}
	var m RegistrationMessage
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&m); err != nil {
		return Registration{}, invalidf("not a JSON object with region_id and task_id: %v", err)
	}
	if dec.More() {
		return Registration{}, invalidf("trailing data after the JSON object")
	}
	if err := ValidateIDs(m.RegionID, m.TaskID); err != nil {
		return Registration{}, err
	}
	md, err := checkMetadata(m.Metadata)
	if err != nil {
		return Registration{}, err
	}
	if !m.Origin.Valid() {
		return Registration{}, invalidf("origin %q: want %q or %q (or none)", clip(string(m.Origin)), OriginRegistered, OriginDiscovered)
	}
	tp, ts, err := checkTrace(m.TraceParent, m.TraceState)
	if err != nil {
		return Registration{}, err
	}
	if m.Account != "" && !ValidAccount(m.Account) {
		return Registration{}, invalidf("account %q is malformed: want 1 to 32 of a-z, 0-9 and '-'", clip(m.Account))
	}
	return Registration{Account: m.Account, RegionID: m.RegionID, TaskID: m.TaskID, Metadata: md, Origin: m.Origin, TraceParent: tp, TraceState: ts}, nil
}

// WithTrace returns r carrying the trace context parent and state (a traceparent NATS header
// on the registration message, say) when r carries none of its own and parent is valid
// (ValidTraceParent); a tracestate that is not valid is left out. It reports whether r took it.
func (r Registration) WithTrace(parent, state string) (Registration, bool) {
	if r.TraceParent != "" || !ValidTraceParent(parent) {
		return r, false
	}
	r.TraceParent = parent
	if ValidTraceState(state) {
		r.TraceState = state
	}
	return r, true
}

// ValidAccount reports whether name can name an account: 1 to 32 of a-z, 0-9 and '-' (it
// becomes a subject token and part of JetStream names).
func ValidAccount(name string) bool { return accountPattern.MatchString(name) }

// ValidRegion reports whether regionID has the form of an ECS region id, as ValidateIDs
// requires.
func ValidRegion(regionID string) bool {
	return len(regionID) <= 64 && regionPattern.MatchString(regionID)
}

// ValidateIDs checks a region id and task id before they become subject tokens.
func ValidateIDs(regionID, taskID string) error {
	switch {
	case regionID == "":
		return invalidf("region_id is missing")
	case len(regionID) > 64 || !regionPattern.MatchString(regionID):
		return invalidf("region_id %q is malformed: want e.g. cn-hangzhou (lowercase letters, digits, '-'; at most 64 bytes)", clip(regionID))
	case taskID == "":
		return invalidf("task_id is missing")
	case !taskPattern.MatchString(taskID):
		return invalidf("task_id %q is malformed: want \"t-\" and 1 to 62 letters, digits, '-' or '_'", clip(taskID))
	}
	return nil
}

func checkMetadata(raw json.RawMessage) (json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	if raw[0] != '{' {
		return nil, invalidf("metadata must be a JSON object")
	}
	if len(raw) > MaxMetadataBytes {
		return nil, invalidf("metadata is %d bytes, more than %d", len(raw), MaxMetadataBytes)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, invalidf("metadata: %v", err)
	}
	return buf.Bytes(), nil
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidRegistration, fmt.Sprintf(format, args...))
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
