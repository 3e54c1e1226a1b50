package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc/stat on Linux.
const clockTicks = 100

// cpuMark is a moment of the machine's and the harness's CPU use, to tell afterwards how much
// CPU other processes took during a run: the pollers share the machine with them.
type cpuMark struct {
	busy    time.Duration // every CPU's non-idle time since boot; 0 when unknown
	harness time.Duration // this process's user + system time
	at      time.Time
}

func markCPU() cpuMark {
	m := cpuMark{at: time.Now()}
	var u syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &u) == nil {
		m.harness = time.Duration(u.Utime.Nano() + u.Stime.Nano())
	}
	if f, err := os.Open("/proc/stat"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		if sc.Scan() {
			m.busy = busyTime(sc.Text())
		}
	}
	return m
}

// busyTime reads the first line of /proc/stat ("cpu user nice system idle iowait irq
// softirq steal ..."): everything but idle and iowait. 0 if it cannot be read.
func busyTime(line string) time.Duration {
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, v := range f[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks
}

// otherLoad is the share of the machine's CPU capacity between from and to that neither the
// poller (pollerCPU) nor the harness used: other processes. -1 when unknown.
func otherLoad(from, to cpuMark, pollerCPU time.Duration) float64 {
	wall := to.at.Sub(from.at)
	if from.busy == 0 || to.busy == 0 || wall <= 0 {
		return -1
	}
	other := (to.busy - from.busy) - (to.harness - from.harness) - pollerCPU
	return max(0, float64(other)/(float64(wall)*float64(runtime.NumCPU())))
}

// loadNote says how busy the rest of the machine was.
func loadNote(f float64) string {
	if f < 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f %%", 100*f)
}
