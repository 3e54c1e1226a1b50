package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// procUsage is a running process's CPU (user + system) and resident set, read from /proc
// (Linux); zero when unknown.
type procUsage struct {
	CPU         time.Duration
	RSSKiB, HWM int64 // now, and the peak so far
}

func readProcUsage(pid int) procUsage {
	var u procUsage
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		u.CPU = statCPU(string(b))
	}
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid)); err == nil {
		for line := range strings.SplitSeq(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				u.RSSKiB = kib(v)
			} else if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				u.HWM = kib(v)
			}
		}
	}
	return u
}

// statCPU reads utime + stime (fields 14 and 15) of a /proc/<pid>/stat line; the command
// name (field 2) is in brackets and may hold spaces.
func statCPU(line string) time.Duration {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(line[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(ut+st) * time.Second / clockTicks
}

// kib parses "  1234 kB".
func kib(v string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
	return n
}

// ready reports whether the worker at addr answers /readyz with 200.
func ready(c *http.Client, addr string) bool {
	resp, err := c.Get("http://" + addr + "/readyz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}
