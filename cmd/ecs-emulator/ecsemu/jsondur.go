package ecsemu

import (
	"encoding/json"
	"fmt"
	"reflect"
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
func (st Step) MarshalJSON() ([]byte, error) { return marshalDurations(st) }

// UnmarshalJSON reads For as a duration string such as "30s".
func (st *Step) UnmarshalJSON(b []byte) error { return unmarshalDurations(b, st) }

// MarshalJSON writes Latency as a duration string such as "100ms".
func (f Faults) MarshalJSON() ([]byte, error) { return marshalDurations(f) }

// UnmarshalJSON reads Latency as a duration string such as "100ms".
func (f *Faults) UnmarshalJSON(b []byte) error { return unmarshalDurations(b, f) }

// marshalDurations encodes v, a struct whose fields are all exported, as encoding/json
// does, but with each time.Duration field as a duration string ("30s"): the same names,
// tags and order. It does not call v's own MarshalJSON, so that method may call it.
func marshalDurations(v any) ([]byte, error) {
	src := reflect.ValueOf(v)
	dst := reflect.New(withDurations(src.Type())).Elem()
	copyFields(dst, src, true)
	return json.Marshal(dst.Interface())
}

// unmarshalDurations decodes b into *p, a struct whose fields are all exported, as
// encoding/json does, but reading each time.Duration field as a duration string (or a
// number of nanoseconds). The fields b does not name keep their values, but durations, which
// become 0. It does not call p's own UnmarshalJSON, so that method may call it.
func unmarshalDurations(b []byte, p any) error {
	dst := reflect.ValueOf(p).Elem()
	aux := reflect.New(withDurations(dst.Type()))
	copyFields(aux.Elem(), dst, false)
	if err := json.Unmarshal(b, aux.Interface()); err != nil {
		return err
	}
	copyFields(dst, aux.Elem(), true)
	return nil
}

// withDurations returns struct type t with its time.Duration fields of type duration instead.
// The type has no methods.
func withDurations(t reflect.Type) reflect.Type {
	fields := make([]reflect.StructField, t.NumField())
	for i := range fields {
		fields[i] = t.Field(i)
		if fields[i].Type == reflect.TypeFor[time.Duration]() {
			fields[i].Type = reflect.TypeFor[duration]()
		}
	}
	return reflect.StructOf(fields)
}

// copyFields copies the fields of src to dst, structs alike but for their duration types;
// durations only when withDurations is set.
func copyFields(dst, src reflect.Value, durations bool) {
	for i := range src.NumField() {
		d, s := dst.Field(i), src.Field(i)
		switch {
		case d.Type() == s.Type():
			d.Set(s)
		case durations:
			d.SetInt(s.Int())
		}
	}
}
