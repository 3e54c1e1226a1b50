package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/events"
)

// formatLine renders one event as a line for people: time (the event's own: when the worker
// observed it), task, region, action, what happened, progress, and the OSS objects or the
// failure reason.
func formatLine(subject string, data []byte) string { return formatLineAt(subject, data, time.Time{}) }

// formatLineAt is formatLine with the time at instead of the event's own (unless at is zero):
// when it was stored, say, so that lines read in stream order are in time order too.
func formatLineAt(subject string, data []byte, at time.Time) string {
	var probe struct {
		Type string    `json:"type"`
		Time time.Time `json:"time"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return fmt.Sprintf("%s  (not JSON) %q", subject, clipString(string(data), 120))
	}
	if !at.IsZero() {
		probe.Time = at
	}
	ts := probe.Time.Local().Format("15:04:05.000")
	if probe.Type == events.TypeInvalid {
		var inv events.Invalid
		_ = json.Unmarshal(data, &inv)
		return fmt.Sprintf("%s  INVALID registration: %s  payload=%q", ts, inv.Data.Reason, clipString(inv.Data.Payload, 120))
	}
	var ev events.Event
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Sprintf("%s  %s (undecodable: %v)", ts, subject, err)
	}
	d := ev.Data
	head := fmt.Sprintf("%s  %-24s %-14s %-15s", ts, d.TaskID, d.RegionID, d.TaskAction)
	switch ev.Type {
	case events.TypeStatusChanged:
		from := d.PreviousStatus
		if from == "" {
			from = "·"
		}
		s := fmt.Sprintf("%s status    %s → %s  %s", head, from, d.TaskStatus, d.TaskProcess)
		if d.PreviousStatus == "" && d.Origin == events.OriginDiscovered {
			s += "  (discovered: never registered)"
		}
		return s
	case events.TypeProgress:
		return fmt.Sprintf("%s progress  %s %s", head, d.TaskStatus, d.TaskProcess)
	case events.TypeFinished:
		return strings.TrimSpace(fmt.Sprintf("%s FINISHED  %s", head, objects(d)))
	case events.TypeFailed:
		s := fmt.Sprintf("%s FAILED    reason=%s", head, d.Reason)
		if d.ErrorCode != "" {
			s += " code=" + d.ErrorCode
		}
		if d.ErrorMessage != "" {
			s += fmt.Sprintf(" msg=%q", d.ErrorMessage)
		}
		return s
	}
	return fmt.Sprintf("%s %s", head, ev.Type)
}

// objects lists the exported OSS objects as oss:// URLs when the bucket is known.
func objects(d events.Data) string {
	if len(d.OSSObjects) == 0 {
		return ""
	}
	parts := make([]string, 0, len(d.OSSObjects))
	for _, o := range d.OSSObjects {
		if d.OSSBucket != "" {
			parts = append(parts, "oss://"+d.OSSBucket+"/"+o)
		} else {
			parts = append(parts, o)
		}
	}
	return strings.Join(parts, " ")
}

func clipString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
