package natsjs

import (
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// A task's record in the tasks bucket keeps its registration's origin, which the Inspector
// reads back for taskpoller tasks and status.
func TestTaskRecordKeepsTheOrigin(t *testing.T) {
	for _, o := range []events.Origin{"", events.OriginRegistered, events.OriginDiscovered} {
		reg := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-1", Origin: o}
		b, err := encodeRecord(7, reg)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeTracked(entry{key: taskKey(reg), value: b, created: time.Unix(1000, 0)})
		if !ok || got.Registration.Origin != o || got.Seq != 7 || got.Key != reg.Key() {
			t.Errorf("origin %q: read back %+v, %v", o, got, ok)
		}
	}
}

// Only a producer's registration replaces the one recorded for a task, and only discovery's.
func TestAdoptsOnlyADiscoveredRecordForAProducersRegistration(t *testing.T) {
	prod := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-1", Metadata: []byte(`{"a":1}`)}
	named := prod
	named.Origin = events.OriginRegistered
	disc := events.Registration{RegionID: "cn-hangzhou", TaskID: "t-1", Origin: events.OriginDiscovered}
	for _, tt := range []struct {
		name     string
		reg, cur events.Registration
		want     bool
	}{
		{"producer after discovery", prod, disc, true},
		{"producer naming its origin after discovery", named, disc, true},
		{"discovery after a producer", disc, prod, false},
		{"discovery after discovery", disc, disc, false},
		{"producer after a producer", prod, named, false},
	} {
		if got := adopts(tt.reg, tt.cur); got != tt.want {
			t.Errorf("%s: adopts = %v, want %v", tt.name, got, tt.want)
		}
	}
}
