// Command export-consumer is the demo's downstream service: it durably consumes the finished
// events of ExportImage tasks and prints every exported OSS object as it would hand it on,
// one line per object:
//
//	EXPORTED oss://<bucket>/<object> task=<id> region=<region>
//
// It reads a JetStream durable consumer on the events stream, so events published while it is
// down are delivered when it comes back. Each event is acknowledged after its lines are
// printed: delivery is at least once, and a line may be printed again after a crash or a lost
// ack, never skipped.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/taskpoller/taskpoller/cmd/internal/follower"
	"github.com/taskpoller/taskpoller/events"
)

var spec = follower.Spec{
	Name:        "export-consumer",
	EnvPrefix:   "EXPORT_CONSUMER_",
	Description: "export-consumer: finished ExportImage events",
	Filter: func(s events.Subjects) string {
		return s.Event(events.KindFinished, "*", "ExportImage", "*")
	},
	Handle: printExported,
}

// printExported prints one line per exported object; an error hands the event back, so its
// objects are printed again later: at least once, never skipped.
func printExported(out io.Writer, e events.Event) error {
	for _, l := range exportedLines(e) {
		if _, err := fmt.Fprintln(out, l); err != nil {
			return fmt.Errorf("print: %w", err)
		}
	}
	return nil
}

func main() { os.Exit(spec.Main()) }
