package main

import (
	"fmt"

	"github.com/taskpoller/taskpoller/events"
)

// exportedLines returns the line printed for each OSS object of a finished export:
//
//	EXPORTED oss://<bucket>/<object> task=<id> region=<region>
func exportedLines(e events.Event) []string {
	bucket := e.Data.OSSBucket
	if bucket == "" {
		bucket = "-"
	}
	lines := make([]string, 0, len(e.Data.OSSObjects))
	for _, obj := range e.Data.OSSObjects {
		lines = append(lines, fmt.Sprintf("EXPORTED oss://%s/%s task=%s region=%s", bucket, obj, e.Data.TaskID, e.Data.RegionID))
	}
	return lines
}
