package main

import (
	"strings"
	"testing"
	"time"
)

func TestWriteTable(t *testing.T) {
	lat := make([]time.Duration, 100)
	for i := range lat {
		lat[i] = time.Duration(i+1) * 20 * time.Millisecond // 20 ms .. 2 s
	}
	results := []result{
		{Poller: pollerTaskpoller, Tasks: 20000, Latencies: lat, Calls: map[string]int{"DescribeTaskAttribute": 30000, "DescribeTasks": 6000},
			Throttled: 36, MaxRSSKiB: 100 * 1024, CPU: 12340 * time.Millisecond, Wall: 75 * time.Second, Intake: 4200 * time.Millisecond, OtherLoad: 0.125},
		{Poller: pollerNaive, Tasks: 20000, Latencies: lat[:1], Missing: 3, Calls: map[string]int{"DescribeTaskAttribute": 50000},
			Throttled: 25000, MaxRSSKiB: 300 * 1024, CPU: time.Second, Wall: 80 * time.Second, OtherLoad: -1},
	}
	var b strings.Builder
	writeTable(&b, results)
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	want := []string{
		"| 20,000 | taskpoller | 1.80 (1.50 + 0.30) | 0.1 % (36) | 1.0 s | 2.0 s | 2.0 s | 0 | 0 | 100 MiB | 12.3 s | 75.0 s (4.2 s) | 12 % |",
		"| 20,000 | naive | 2.50 (2.50 + 0.00) | 50.0 % (25,000) | 20 ms | 20 ms | 20 ms | 3 | n/a | 300 MiB | 1.0 s | 80.0 s (0.0 s) | ? |",
	}
	if len(lines) != 4 {
		t.Fatalf("got %d lines, want header, rule and 2 rows:\n%s", len(lines), b.String())
	}
	for i, w := range want {
		if lines[2+i] != w {
			t.Errorf("row %d:\n got %s\nwant %s", i, lines[2+i], w)
		}
	}

	var tg strings.Builder
	writeTargets(&tg, results)
	got := tg.String()
	for _, w := range []string{"❌ p99 99.000× the naive poller's", "✅ 0.1 % throttled", "✅ 1.80 API calls per task", "✅ every task exactly one terminal event"} {
		if !strings.Contains(got, w) {
			t.Errorf("targets %q: want %q", got, w)
		}
	}
	if strings.Contains(got, "RSS") {
		t.Errorf("targets %q: the RSS target applies from 100,000 tasks only", got)
	}
}

func TestFormatting(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{thousands(0), "0"}, {thousands(999), "999"}, {thousands(1000), "1,000"}, {thousands(1234567), "1,234,567"}, {thousands(-20000), "-20,000"},
		{latency(999 * time.Millisecond), "999 ms"}, {latency(1500 * time.Millisecond), "1.5 s"},
		{pct(0.0004), "0.040 %"}, {pct(0), "0.0 %"}, {pct(0.123), "12.3 %"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestECDF(t *testing.T) {
	sorted := make([]time.Duration, 1000)
	for i := range sorted {
		sorted[i] = time.Duration(i) * time.Millisecond // the first is 0: clamped for the log axis
	}
	pts := ecdf(sorted)
	if len(pts) != ecdfPoints+1 {
		t.Fatalf("%d points, want %d", len(pts), ecdfPoints+1)
	}
	if pts[0].X != minPlotted.Seconds() || pts[len(pts)-1].Y != 1 || pts[len(pts)-1].X != 0.999 {
		t.Errorf("first %v, last %v; want x clamped to 1 ms and the last at (0.999 s, 1)", pts[0], pts[len(pts)-1])
	}
	for i := 1; i < len(pts); i++ {
		if pts[i].X < pts[i-1].X || pts[i].Y < pts[i-1].Y {
			t.Fatalf("not monotone at %d: %v then %v", i, pts[i-1], pts[i])
		}
	}
	if ecdf(nil) != nil {
		t.Error("no latencies: want no points")
	}
}
