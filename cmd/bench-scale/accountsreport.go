package main

import (
	"fmt"
	"image/color"
	"io"
	"runtime"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// writeAccountsTable writes one row per run.
func writeAccountsTable(w io.Writer, results []accountsResult) {
	fmt.Fprintln(w, "| accounts | tasks (hot account) | hot p50 | hot p99 | hot max | quiet p50 | quiet p99 | quiet max | intake lag p50 / p99 / max (recorded after their end: quiet, hot) | not detected | >1 terminal event | throttled | most calls in a second (API, account, region) | ready after (CPU) | idle CPU | peak RSS (when ready) | worker CPU | wall (registering) | streams / consumers | other load |")
	fmt.Fprintln(w, "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	for _, r := range results {
		most, at := mostPerSecond(r)
		idle := "n/a"
		if r.Idle > 0 {
			idle = fmt.Sprintf("%.0f %% of a CPU", 100*r.IdleCPU.Seconds()/r.Idle.Seconds())
		}
		fmt.Fprintf(w, "| %d | %s (%s) | %s | %s | %s | %s | %s | %s | %s / %s / %s (%s, %s) | %d | %d | %s | %d (%s) | %s (%s) | %s | %s (%s) | %s | %s (%s) | %d / %d | %s |\n",
			r.Accounts, thousands(r.Tasks), thousands(r.HotTasks),
			latency(percentile(r.Hot, 50)), latency(percentile(r.Hot, 99)), latency(percentile(r.Hot, 100)),
			latency(percentile(r.Quiet, 50)), latency(percentile(r.Quiet, 99)), latency(percentile(r.Quiet, 100)),
			latency(percentile(r.IntakeLag, 50)), latency(percentile(r.IntakeLag, 99)), latency(percentile(r.IntakeLag, 100)),
			thousands(r.LateIntakeQuiet), thousands(r.LateIntakeHot),
			r.Missing, r.NotOne, thousands(r.throttled()), most, at,
			seconds(r.Startup), seconds(r.StartupCPU), idle, mib(r.MaxRSSKiB), mib(r.ReadyRSSKiB), seconds(r.CPU),
			seconds(r.Wall), seconds(r.Intake), r.Streams, r.Consumers, loadNote(r.OtherLoad))
	}
}

// mostPerSecond is the most calls any account made of one API in one region in one second.
func mostPerSecond(r accountsResult) (int, string) {
	most, at := 0, "none"
	for _, name := range sortedKeys(r.Calls) {
		if c := r.Calls[name]; c.MaxPerSecond > most {
			action, region, _ := strings.Cut(c.MaxAt, " ")
			most, at = c.MaxPerSecond, action+", "+name+", "+region
		}
	}
	return most, at
}

// writeAccountsTargets writes, per run, whether it meets issue 17 item 7.
func writeAccountsTargets(w io.Writer, results []accountsResult, quota float64) {
	for _, r := range results {
		var checks checklist
		check := checks.check
		p99 := percentile(r.Quiet, 99)
		check(len(r.Quiet) > 0 && p99 <= targetQuietP99, "quiet accounts' p99 %s (target ≤ %s)", latency(p99), latency(targetQuietP99))
		check(r.Missing == 0 && r.NotOne == 0 && r.NotFinished == 0, "every task exactly one terminal event, finished (%d not detected, %d with more than one, %d not finished)", r.Missing, r.NotOne, r.NotFinished)
		over, overSecs := 0, 0
		for _, c := range r.Calls {
			if c.Throttled > 0 || c.OverSeconds > 0 {
				over++
			}
			overSecs += c.OverSeconds
		}
		most, _ := mostPerSecond(r)
		check(over == 0, "no account over its quota of %g calls/s (%d accounts throttled or over, %s calls throttled, %d seconds over; at most %d calls of one API in one region in one second)", quota, over, thousands(r.throttled()), overSecs, most)
		fmt.Fprintf(w, "- %d accounts: %s\n", r.Accounts, checks.String())
	}
}

// writeAccountCalls writes a run's calls per account.
func writeAccountCalls(w io.Writer, r accountsResult, counts []int, names []string) {
	fmt.Fprintln(w, "| account | tasks | DescribeTaskAttribute | DescribeTasks | throttled | most calls in a second | seconds over the quota (the first, after the first registration) |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|")
	for i, name := range names {
		c := r.Calls[name]
		label := name
		switch i {
		case 0:
			label += " (default)"
		case hotAccount:
			label += " (hot)"
		}
		over := fmt.Sprint(c.OverSeconds)
		if c.FirstOver != 0 {
			over += fmt.Sprintf(" (the first at +%d s)", c.FirstOver-r.Start.Unix())
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %d | %d (%s) | %s |\n", label, thousands(counts[i]),
			thousands(c.Calls[ecsemu.ActionDescribeTaskAttribute]), thousands(c.Calls[ecsemu.ActionDescribeTasks]),
			c.Throttled, c.MaxPerSecond, c.MaxAt, over)
	}
}

// accountsReport is the Markdown file.
func accountsReport(cfg accountsConfig, cmdline []string, table, targets string, perAccount []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Many-accounts benchmark\n\n")
	fmt.Fprintf(&b, "`go run ./cmd/bench-scale %s` — %s, %s/%s, %d CPUs, %s.\n\n",
		strings.Join(cmdline, " "), time.Now().UTC().Format("2006-01-02"), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(&b, "Each run: one `taskpoller run --accounts FILE` process, an embedded NATS server and a fresh ECS emulator. "+
		"The file's accounts are `acct-00` (the default account, subjects `ecs.tasks.*`), `acct-01` (the hot one) and quiet ones, each signing with its own access key and "+
		"limited to `quotas: {DescribeTaskAttribute: %g, DescribeTasks: %g}`; the emulator answers %g calls/s per API, account and region, "+
		"counted per wall-clock second, and throttles the rest. %s tasks over %s: the hot account holds %.0f %%, the others the rest evenly, "+
		"each account's spread evenly over the regions; they are created and registered (on %s, naming their account) in a shuffled order, as fast as the harness can, "+
		"and end uniformly %s after creation (seed %d). The worker backs off %s → %s ×%g ±%g %%.\n\n",
		cfg.Quota, cfg.Quota, cfg.Quota, thousands(cfg.Tasks), strings.Join(cfg.Regions, ", "), 100*cfg.HotShare, registeredOn(cfg.Direct),
		cfg.Finish.String(), cfg.Seed, shortDuration(cfg.Backoff.Initial), shortDuration(cfg.Backoff.Max), cfg.Backoff.Multiplier, 100*cfg.Backoff.Jitter)
	b.WriteString(table)
	b.WriteString("\n" + targets + "\n")
	b.WriteString("Detection latency: the terminal event's time in its account's events stream minus the task's end in the emulator; hot is the hot account's tasks, quiet every other account's. " +
		"Intake lag: a task's record in its account's tasks bucket (the worker has taken its registration in; for any account but the default, after the default account's workers forwarded it) minus the ack of its registration to the harness; a task recorded after its end is seen late whatever the polling. Throttled and calls per second: every DescribeTaskAttribute and DescribeTasks call the emulator answered, counted per account, API, region and wall-clock second as its quota counts them. " +
		"Ready after: the worker's start to its first `/readyz` 200 (every account's streams, buckets and partitions), with the CPU it took; idle CPU: the ready worker's CPU before any task, the cost of holding the accounts. " +
		"Peak RSS: the worker's VmHWM just before it was stopped (not wait4's Maxrss, which Linux never reports below the harness's own peak at the worker's start); in brackets its RSS when ready. CPU: the worker's over its whole life. The NATS server and the emulator run in the harness. " +
		"Streams / consumers: JetStream's at the end (key-value buckets are streams). " +
		"Other load: the share of the machine's CPU that other processes took during the tasks' part of the run; the numbers are only comparable when it is low.\n")
	if cfg.SVG != "" && cfg.MD != "" {
		if rel, err := relPath(cfg.MD, cfg.SVG); err == nil {
			fmt.Fprintf(&b, "\n![detection latency, hot and quiet accounts](%s)\n", rel)
		}
	}
	for _, p := range perAccount {
		b.WriteString("\n" + p)
	}
	return b.String()
}

// writeAccountsPlot draws the hot and the quiet accounts' latency distributions of every run.
func writeAccountsPlot(path, title string, results []accountsResult) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "detection latency: terminal event stored − ended (s, log scale)"
	p.Y.Label.Text = "share of tasks detected"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(16)
	p.Add(plotter.NewGrid())
	hotColor, quietColor := color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	dashes := [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}}
	for i, r := range results {
		for _, s := range []struct {
			name string
			lat  []time.Duration
			c    color.Color
		}{{"quiet accounts", r.Quiet, quietColor}, {"hot account", r.Hot, hotColor}} {
			pts := ecdf(s.lat)
			if len(pts) == 0 {
				continue
			}
			l, err := plotter.NewLine(pts)
			if err != nil {
				return fmt.Errorf("plot: %w", err)
			}
			l.Color, l.Width, l.Dashes = s.c, vg.Points(1.5), dashes[i%len(dashes)]
			p.Add(l)
			p.Legend.Add(fmt.Sprintf("%s of %d (p99 %s)", s.name, r.Accounts, latency(percentile(s.lat, 99))), l)
		}
	}
	if err := p.Save(9*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// registeredOn says where the bench registers tasks.
func registeredOn(direct bool) string {
	if direct {
		return "each account's own `ecs.tasks.account.<name>.registered`, the default account's on `ecs.tasks.registered`"
	}
	return "`ecs.tasks.registered`, which the default account's workers forward to the others"
}
