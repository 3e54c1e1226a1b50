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
