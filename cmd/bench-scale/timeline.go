package main

import (
	"bufio"
	"fmt"
	"os"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// second is one second of a run's DescribeTaskAttribute calls.
type second struct{ ok, throttled, other int }

// callTimeline counts the DescribeTaskAttribute calls on the tasks ids per second since start,
// by answer, from the emulator's per-task call records.
func callTimeline(emu *ecsemu.Server, ids []string, start time.Time) []second {
	var out []second
	for _, id := range ids {
		for _, c := range emu.Calls(id) {
			i := max(0, int(c.Time.Sub(start)/time.Second))
			for len(out) <= i {
				out = append(out, second{})
			}
			switch c.Code {
			case "OK":
				out[i].ok++
			case throttledCode:
				out[i].throttled++
			default:
				out[i].other++
			}
		}
	}
	return out
}

// writeTimeline writes the timeline as CSV (second, ok, throttled, other) to path, for a look
// at when a poller was throttled.
func writeTimeline(path string, tl []second) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "second,ok,throttled,other")
	for i, s := range tl {
		fmt.Fprintf(w, "%d,%d,%d,%d\n", i, s.ok, s.throttled, s.other)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
