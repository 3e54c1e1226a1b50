package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/events"
)

// ANSI styles of the live view.
const (
	reset  = "\x1b[0m"
	bold   = "\x1b[1m"
	dim    = "\x1b[2m"
	red    = "\x1b[31m"
	green  = "\x1b[32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
)

// demoView shows the demo's tasks: a live table redrawn in place on a terminal, or one line
// per event otherwise. It is used by one goroutine.
type demoView struct {
	out      io.Writer
	live     bool
	tasks    []*demoTask
	state    map[string]*viewRow
	recent   []string
	drawn    int // lines drawn last time, to redraw in place
	natsURL  string
	emuURL   string
	scale    float64
	started  time.Time
	counts   map[string]int
	terminal int
}

type viewRow struct {
	status, process, outcome string
	origin                   events.Origin
	ended                    bool
	failed                   bool
}

func newDemoView(out io.Writer, tasks []*demoTask, live bool, natsURL, emuURL string, scale float64) *demoView {
	v := &demoView{out: out, live: live, tasks: tasks, state: map[string]*viewRow{}, natsURL: natsURL, emuURL: emuURL,
		scale: scale, started: time.Now(), counts: map[string]int{}}
	for _, t := range tasks {
		v.state[t.ID] = &viewRow{status: "registered"}
		if t.Unregistered {
			v.state[t.ID].status = "unregistered"
		}
	}
	return v
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0 && os.Getenv("TERM") != "dumb"
}

func (v *demoView) style(s, code string) string {
	if !v.live {
		return s
	}
	return code + s + reset
}

func (v *demoView) header() {
	fmt.Fprintf(v.out, "%s\n", v.style("taskpoller demo", bold))
	fmt.Fprintf(v.out, "  NATS (embedded, JetStream)  %s\n", v.natsURL)
	fmt.Fprintf(v.out, "  ECS emulator                %s  (tasks run %gx faster than real ECS; some calls throttled or 5xx on purpose)\n", v.emuURL, v.scale)
	fmt.Fprintf(v.out, "  Worker                      in-process, calling ECS through the official SDK: it checks its tasks\n")
	fmt.Fprintf(v.out, "                              100 at a time with DescribeTasks (batch checks), reads a task's details\n")
	fmt.Fprintf(v.out, "                              with DescribeTaskAttribute when it changed or its backoff is due, and\n")
	fmt.Fprintf(v.out, "                              lists %s's tasks with DescribeTasks every 2s (discovery)\n\n", demoRegion)
	fmt.Fprintf(v.out, "  While it runs (it stops when every task has ended, ~25s; --keep keeps it running:\n")
	fmt.Fprintf(v.out, "  make demo DEMO_ARGS=--keep), from another terminal:\n")
	fmt.Fprintf(v.out, "    nats --server %s sub 'ecs.tasks.>'          (the nats CLI)\n", v.natsURL)
	fmt.Fprintf(v.out, "    go run ./cmd/taskpoller watch --nats-url %s --replay\n\n", v.natsURL)
	fmt.Fprintf(v.out, "  Each event's line gives the time it was published (stored in the events stream).\n\n")
	unregistered := 0
	for _, t := range v.tasks {
		if t.Unregistered {
			unregistered++
		}
	}
	fmt.Fprintf(v.out, "  Created %d tasks through the SDK and registered %d of them on ecs.tasks.registered; %d is left for discovery:\n\n",
		len(v.tasks), len(v.tasks)-unregistered, unregistered)
	if !v.live {
		for _, t := range v.tasks {
			fmt.Fprintf(v.out, "    %-24s %-15s %s\n", t.ID, t.Action, t.What)
		}
		fmt.Fprintln(v.out)
	}
}

func (v *demoView) task(id string) *demoTask {
	for _, t := range v.tasks {
		if t.ID == id {
			return t
		}
	}
	return nil
}

// apply takes one event of the events stream and shows it.
// apply takes one event of the events stream, stored at stored: the line printed gives that
// time, so that the lines, in stream order, are in time order.
func (v *demoView) apply(subject string, data []byte, stored time.Time) events.Event {
	var ev events.Event
	_ = json.Unmarshal(data, &ev)
	v.counts[ev.Type]++
	row, ok := v.state[ev.Data.TaskID]
	if ok && !row.ended {
		row.status, row.process, row.origin = ev.Data.TaskStatus, ev.Data.TaskProcess, ev.Data.Origin
		switch ev.Type {
		case events.TypeFinished:
			row.ended, row.outcome = true, objects(ev.Data)
			if row.outcome == "" {
				row.outcome = "done (" + ev.Data.TaskAction + " has no OSS objects)"
			}
			v.terminal++
		case events.TypeFailed:
			row.ended, row.failed = true, true
			row.outcome = "reason=" + string(ev.Data.Reason)
			if ev.Data.ErrorCode != "" {
				row.outcome += " code=" + ev.Data.ErrorCode
			}
			v.terminal++
		}
	}
	line := formatLineAt(subject, data, stored)
	if !v.live {
		fmt.Fprintln(v.out, "  "+line)
		return ev
	}
	v.recent = append(v.recent, line)
	if len(v.recent) > 8 {
		v.recent = v.recent[len(v.recent)-8:]
	}
	v.render()
	return ev
}

// note shows something the demo did.
func (v *demoView) note(s string) {
	line := time.Now().Format("15:04:05.000") + "  " + v.style("» "+s, cyan)
	if !v.live {
		fmt.Fprintln(v.out, "  "+line)
		return
	}
	v.recent = append(v.recent, line)
	v.render()
}

func (v *demoView) done() bool { return v.terminal == len(v.tasks) }

// render redraws the table and the recent events in place.
func (v *demoView) render() {
	if !v.live {
		return
	}
	var b strings.Builder
	if v.drawn > 0 {
		fmt.Fprintf(&b, "\x1b[%dA\x1b[J", v.drawn)
	}
	lines := 0
	add := func(format string, args ...any) {
		fmt.Fprintf(&b, format+"\n", args...)
		lines++
	}
	add("  %-24s %-15s %-36s %-11s %s", "TASK", "ACTION", "WHAT", "STATUS", "PROGRESS")
	for _, t := range v.tasks {
		r := v.state[t.ID]
		status := fmt.Sprintf("%-11s", r.status)
		switch {
		case r.ended && r.failed:
			status = v.style(status, red)
		case r.ended:
			status = v.style(status, green)
		case r.status == "Processing":
			status = v.style(status, yellow)
		default:
			status = v.style(status, dim)
		}
		add("  %-24s %-15s %-36s %s %s", t.ID, t.Action, clipString(t.What, 36), status, v.bar(r.process))
		if r.outcome != "" {
			c := green
			if r.failed {
				c = red
			}
			add("  %-24s %s", "", v.style("└ "+clipString(r.outcome, 110), c))
		} else if r.origin == events.OriginDiscovered {
			add("  %-24s %s", "", v.style("└ discovered: the worker listed it with DescribeTasks; nobody registered it", cyan))
		}
	}
	add("")
	add("  %s  (%s elapsed, %d of %d tasks ended)", v.style("recent events", bold), time.Since(v.started).Round(100*time.Millisecond), v.terminal, len(v.tasks))
	for _, l := range v.recent {
		add("  %s", clipString(l, 150))
	}
	v.drawn = lines
	fmt.Fprint(v.out, b.String())
}

// bar draws "45%" as a progress bar.
func (v *demoView) bar(process string) string {
	p, err := strconv.Atoi(strings.TrimSuffix(process, "%"))
	if err != nil {
		return process
	}
	p = max(0, min(100, p))
	n := p / 5
	return v.style(strings.Repeat("█", n), green) + v.style(strings.Repeat("░", 20-n), dim) + fmt.Sprintf(" %3d%%", p)
}

// summary prints the outcome of every task and what the emulator saw.
func (v *demoView) summary(st ecsemu.Stats) {
	fmt.Fprintf(v.out, "\n%s in %s\n", v.style("Every task reached its terminal event", bold), time.Since(v.started).Round(100*time.Millisecond))
	for _, t := range v.tasks {
		r := v.state[t.ID]
		mark := v.style("✔ finished", green)
		if r.failed {
			mark = v.style("✘ failed  ", red)
		}
		outcome := r.outcome
		if r.origin == events.OriginDiscovered {
			outcome += "  (discovered: never registered)"
		}
		fmt.Fprintf(v.out, "  %s  %-24s %-15s %s\n", mark, t.ID, t.Action, outcome)
	}
	kinds := make([]string, 0, len(v.counts))
	for k, n := range v.counts {
		kinds = append(kinds, fmt.Sprintf("%s ×%d", strings.TrimPrefix(k, "ecs.task."), n))
	}
	sort.Strings(kinds)
	fmt.Fprintf(v.out, "\n  events published: %s\n", strings.Join(kinds, ", "))
	var faults []string
	for _, c := range []string{"Throttling.User", "ServiceUnavailable", "InternalError"} {
		if n := st.Codes[c]; n > 0 {
			faults = append(faults, fmt.Sprintf("%s ×%d", c, n))
		}
	}
	listings := 0
	for _, n := range st.Listings {
		listings += n
	}
	fmt.Fprintf(v.out, "  ECS calls: %d DescribeTasks batch checks (up to 100 tasks a call), %d DescribeTaskAttribute detail reads,\n"+
		"  %d DescribeTasks listings (discovery)", st.Actions["DescribeTasks"]-listings, st.Actions["DescribeTaskAttribute"], listings)
	if len(faults) > 0 {
		fmt.Fprintf(v.out, "; injected errors %s — retried with backoff, no task failed because of them", strings.Join(faults, ", "))
	}
	fmt.Fprintf(v.out, "\n\n  Next: README.md, \"Using it\", runs a worker of your own against the ECS emulator, step by step;\n")
	fmt.Fprintf(v.out, "  make demo DEMO_ARGS=--keep keeps this one running after its tasks end, to explore it with\n")
	fmt.Fprintf(v.out, "  'nats sub' or 'taskpoller watch'. The README explains the events and their subjects.\n")
}
