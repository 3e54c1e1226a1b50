package main

import (
	"fmt"
	"math"

	"github.com/taskpoller/taskpoller/events"
)

// failPrefix is the emulator's convention: an export to a bucket, or an import of an object,
// whose name starts with it fails partway.
const failPrefix = "fail-"

// The task actions the producer starts, in turn.
const (
	actionExport = "ExportImage"
	actionImport = "ImportImage"
	actionModify = "ModifyDiskSpec"
)

var actions = [...]string{actionExport, actionImport, actionModify}

// job is the plan for the n-th task (n counts from 1).
type job struct {
	N      int
	Action string
	Fail   bool // started so that it fails (exports and imports only)
	Cancel bool // canceled after CancelAfter (exports and imports only)
	// Unregistered: started on ECS but never registered; only discovery finds it.
	Unregistered bool
}

// planJob decides the n-th task deterministically, so a run is reproducible: actions rotate,
// every FailEvery-th export or import fails, every CancelEvery-th one that does not fail is
// canceled. ModifyDiskSpec can neither fail on demand nor be canceled. Whether a task is left
// unregistered does not depend on the rest (see unregistered), so every plan occurs both ways.
func planJob(n int, cfg Config) job {
	j := job{N: n, Action: actions[(n-1)%len(actions)], Unregistered: unregistered(n, cfg.Unregistered)}
	if j.Action == actionModify {
		return j
	}
	j.Fail = cfg.FailEvery > 0 && n%cfg.FailEvery == 0
	j.Cancel = !j.Fail && cfg.CancelEvery > 0 && n%cfg.CancelEvery == 0
	return j
}

// goldenFrac is the fractional part of the golden ratio: n·goldenFrac mod 1 spreads the tasks
// over [0, 1) evenly and with no short period, so it is not in step with --fail-every or
// --cancel-every, as n%k would be.
const goldenFrac = 0.6180339887498949

// unregistered reports whether the n-th task is one of the share left unregistered: of any
// first n tasks, share·n of them give or take a few (the Weyl sequence n·goldenFrac mod 1 is
// below share that often: its discrepancy grows only as log n).
func unregistered(n int, share float64) bool {
	_, frac := math.Modf(float64(n) * goldenFrac)
	return frac < share
}

// outcome is what the task's one terminal event should say.
type outcome struct {
	Kind   events.Kind   // KindFinished or KindFailed
	Reason events.Reason // failed only
}

func (o outcome) String() string {
	if o.Kind == events.KindFinished {
		return "expect=finished"
	}
	return fmt.Sprintf("expect=%s reason=%s", o.Kind, o.Reason)
}

var (
	finished = outcome{Kind: events.KindFinished}
	failed   = outcome{Kind: events.KindFailed, Reason: events.ReasonTaskFailed}
	canceled = outcome{Kind: events.KindFailed, Reason: events.ReasonTaskCanceled}
)

// expected is the outcome of j before any cancellation is attempted.
func (j job) expected() outcome {
	if j.Fail {
		return failed
	}
	return finished
}

// taskLine is the line printed once a task's outcome is settled; registered=no marks a task
// left unregistered.
func taskLine(j job, taskID, region string, o outcome) string {
	reg := "yes"
	if j.Unregistered {
		reg = "no"
	}
	return fmt.Sprintf("TASK n=%d task=%s action=%s region=%s registered=%s %s", j.N, taskID, j.Action, region, reg, o)
}
