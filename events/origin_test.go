package events_test

import (
	"bytes"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

// A registration's origin goes through its payload as it is; one that names none is a
// producer's.
func TestOriginTravelsInTheRegistration(t *testing.T) {
	for _, tt := range []struct {
		origin     events.Origin
		payloadHas bool
		effective  events.Origin
	}{
		{"", false, events.OriginRegistered},
		{events.OriginRegistered, true, events.OriginRegistered},
		{events.OriginDiscovered, true, events.OriginDiscovered},
	} {
		r := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-abc", Origin: tt.origin}
		b, err := r.Payload()
		if err != nil {
			t.Fatal(err)
		}
		if got := bytes.Contains(b, []byte(`"origin"`)); got != tt.payloadHas {
			t.Errorf("origin %q: payload %s names an origin: %v, want %v", tt.origin, b, got, tt.payloadHas)
		}
		got, err := events.ParseRegistration(b)
		if err != nil {
			t.Fatalf("origin %q: %v", tt.origin, err)
		}
		if got.Origin != tt.origin || got.Origin.OrRegistered() != tt.effective {
			t.Errorf("origin %q came back as %q (effective %q), want %q", tt.origin, got.Origin, got.Origin.OrRegistered(), tt.effective)
		}
	}
	if _, err := (events.Registration{RegionID: "cn-hangzhou", TaskID: "t-abc", Origin: "guessed"}).Payload(); err != nil {
		t.Fatal(err) // Payload does not validate; ParseRegistration does (below)
	}
	for _, o := range []events.Origin{"guessed", "Registered", " discovered"} {
		if o.Valid() {
			t.Errorf("origin %q is valid", o)
		}
		b, _ := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-abc", Origin: o}.Payload()
		if _, err := events.ParseRegistration(b); err == nil {
			t.Errorf("a registration with origin %q was accepted", o)
		}
	}
}
