package ecsemu

import (
	"encoding/json"
	"fmt"
	"time"
)

// duration is a time.Duration written in JSON as a Go duration string
// ("30s", "1m30s"); a JSON number is read as nanoseconds.
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	switch x := v.(type) {
	case string:
		p, err := time.ParseDuration(x)
		if err != nil {
			return fmt.Errorf("duration %q: %w", x, err)
		}
		*d = duration(p)
	case float64:
		*d = duration(x)
	case nil:
		*d = 0
	default:
		return fmt.Errorf("duration: want a string like \"30s\", got %s", b)
	}
	return nil
}

// MarshalJSON writes For as a duration string such as "30s".
func (st Step) MarshalJSON() ([]byte, error) {
	type plain Step
	return json.Marshal(struct {
		plain
		For duration `json:"for,omitempty"`
	}{plain(st), duration(st.For)})
}

// UnmarshalJSON reads For as a duration string such as "30s".
func (st *Step) UnmarshalJSON(b []byte) error {
	type plain Step
	aux := struct {
		*plain
		For duration `json:"for,omitempty"`
	}{plain: (*plain)(st)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	st.For = time.Duration(aux.For)
	return nil
}

// MarshalJSON writes Latency as a duration string such as "100ms".
func (f Faults) MarshalJSON() ([]byte, error) {
	type plain Faults
	return json.Marshal(struct {
		plain
		Latency duration `json:"latency"`
	}{plain(f), duration(f.Latency)})
}

// UnmarshalJSON reads Latency as a duration string such as "100ms".
func (f *Faults) UnmarshalJSON(b []byte) error {
	type plain Faults
	aux := struct {
		*plain
		Latency duration `json:"latency"`
	}{plain: (*plain)(f)}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	f.Latency = time.Duration(aux.Latency)
	return nil
}
