package poller_test

import (
	"testing"
	"unsafe"

	"github.com/taskpoller/taskpoller/poller"
)

// A documented status (or action) parsed from an answer is the constant itself, not a copy: a worker with
// 100,000 tasks keeps one string per status, not one per answer.
func TestParseStatusInterns(t *testing.T) {
	for _, k := range []poller.Status{poller.StatusWaiting, poller.StatusProcessing, poller.StatusFinished,
		poller.StatusFailed, poller.StatusDeleted, poller.StatusPaused} {
		answer := string([]byte(k)) // a fresh copy, as a JSON decoder makes
		got := poller.ParseStatus(answer)
		if got != k || unsafe.StringData(string(got)) != unsafe.StringData(string(k)) {
			t.Errorf("ParseStatus(%q) = %q, not the constant", answer, got)
		}
	}
	if got := poller.ParseStatus("Suspended"); got != "Suspended" || got.Known() {
		t.Errorf("an undocumented status: %q (known %v), want it as it is, unknown", got, got.Known())
	}
	for _, k := range []string{poller.ActionImportImage, poller.ActionExportImage, poller.ActionModifyDiskSpec} {
		answer := string([]byte(k))
		if got := poller.ParseAction(answer); got != k || unsafe.StringData(got) != unsafe.StringData(k) {
			t.Errorf("ParseAction(%q) = %q, not the constant", answer, got)
		}
	}
	if got := poller.ParseAction("ResizeDisk"); got != "ResizeDisk" {
		t.Errorf("an undocumented action: %q, want it as it is", got)
	}
}
