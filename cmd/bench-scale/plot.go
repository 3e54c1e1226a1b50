package main

import (
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// ecdfPoints is how many points draw one distribution.
const ecdfPoints = 400

// minPlotted is the smallest latency drawn: the x axis is logarithmic.
const minPlotted = time.Millisecond

// ecdf returns the empirical distribution of sorted latencies as (seconds, share detected)
// points, at most ecdfPoints+1 of them, latencies clamped to minPlotted.
func ecdf(sorted []time.Duration) plotter.XYs {
	n := len(sorted)
	if n == 0 {
		return nil
	}
	steps := min(n, ecdfPoints)
	out := make(plotter.XYs, 0, steps+1)
	for i := 0; i <= steps; i++ {
		rank := max(1, i*n/steps) // 1..n
		out = append(out, plotter.XY{X: max(sorted[rank-1], minPlotted).Seconds(), Y: float64(rank) / float64(n)})
	}
	return out
}

// writePlot draws the latency distribution of every result into an SVG (or PNG, PDF: by the
// extension of path).
func writePlot(path, title string, results []result) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "detection latency: seen ended − ended (s, log scale)"
	p.Y.Label.Text = "share of tasks detected"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(16)
	p.Add(plotter.NewGrid())
	colors := map[string]color.Color{
		pollerTaskpoller: color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff},
		pollerNaive:      color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	}
	dashes := [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}}
	sizes := map[int]int{}
	for _, r := range results {
		if _, ok := sizes[r.Tasks]; !ok {
			sizes[r.Tasks] = len(sizes)
		}
	}
	for _, r := range results {
		pts := ecdf(r.Latencies)
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", r.Poller, err)
		}
		l.Color = colors[r.Poller]
		l.Width = vg.Points(1.5)
		l.Dashes = dashes[sizes[r.Tasks]%len(dashes)]
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s, %s tasks (p99 %s)", r.Poller, thousands(r.Tasks), latency(percentile(r.Latencies, 99))), l)
	}
	if err := p.Save(9*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
