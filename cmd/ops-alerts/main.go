// Command ops-alerts is the demo's operations view: it durably consumes every failed event and
// prints one alert line per failure:
//
//	ALERT task=<id> region=<region> action=<action> reason=<reason> code=<error_code> msg=<error_message>
//
// Empty fields print as "-"; msg comes last and is the rest of the line. It reads a JetStream
// durable consumer on the events stream, so neither its own restart nor the outage of one NATS
// node makes it miss a failure. Each event is acknowledged after its alert is printed: an alert
// may be printed twice after a crash or a lost ack, never skipped.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/taskpoller/taskpoller/cmd/internal/follower"
	"github.com/taskpoller/taskpoller/events"
)

var spec = follower.Spec{
	Name:        "ops-alerts",
	EnvPrefix:   "OPS_ALERTS_",
	Description: "ops-alerts: every failed task",
	Filter:      func(s events.Subjects) string { return s.Kind(events.KindFailed) },
	// An error hands the event back: an alert may be printed twice, never skipped.
	Handle: func(out io.Writer, e events.Event) error {
		_, err := fmt.Fprintln(out, alertLine(e))
		return err
	},
}

func main() { os.Exit(spec.Main()) }
