package main

import (
	"fmt"
	"strings"

	"github.com/taskpoller/taskpoller/events"
)

// alertLine returns the one line printed for a failed event:
//
//	ALERT task=<id> region=<region> action=<action> reason=<reason> code=<error_code> msg=<error_message>
//
// Empty fields are "-"; runs of white space (newlines included) in the message become one space,
// so an alert is always one line.
func alertLine(e events.Event) string {
	d := e.Data
	return fmt.Sprintf("ALERT task=%s region=%s action=%s reason=%s code=%s msg=%s",
		field(d.TaskID), field(d.RegionID), field(d.TaskAction), field(string(d.Reason)), field(d.ErrorCode),
		field(strings.Join(strings.Fields(d.ErrorMessage), " ")))
}

// field makes a value fit one space-separated token (msg is last, so it may keep its spaces).
func field(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
