package main

import (
	"os"
	"testing"
	"time"
)

func TestStatCPU(t *testing.T) {
	// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
	line := "4242 (task poller) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 50 0 0 20 0 12 0"
	if got, want := statCPU(line), 3*time.Second; got != want {
		t.Errorf("statCPU = %s, want %s (300 ticks)", got, want)
	}
	if got := statCPU("garbage"); got != 0 {
		t.Errorf("statCPU(garbage) = %s, want 0", got)
	}
	if u := readProcUsage(os.Getpid()); u.RSSKiB <= 0 || u.HWM < u.RSSKiB {
		t.Errorf("this process's usage %+v: want a resident set, its peak at least as large", u)
	}
}
