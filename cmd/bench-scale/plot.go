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
	colors := map[string]color.Color{pollerTaskpoller: plotBlue, pollerNaive: plotRed}
	sizes := map[int]int{}
	for _, r := range results {
		if _, ok := sizes[r.Tasks]; !ok {
			sizes[r.Tasks] = len(sizes)
		}
	}
	var lines []ecdfLine
	for _, r := range results {
		lines = append(lines, ecdfLine{
			label:     fmt.Sprintf("%s, %s tasks (p99 %s)", r.Poller, thousands(r.Tasks), latency(percentile(r.Latencies, 99))),
			color:     colors[r.Poller],
			dashes:    plotDashes[sizes[r.Tasks]%len(plotDashes)],
			latencies: r.Latencies,
		})
	}
	return writeECDFs(path, title, "detection latency: seen ended − ended (s, log scale)", "share of tasks detected", lines)
}

// Line styles of the plots.
var (
	plotBlue   = color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}
	plotRed    = color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}
	plotGreen  = color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}
	plotDashes = [][]vg.Length{nil, {vg.Points(6), vg.Points(3)}, {vg.Points(2), vg.Points(2)}}
)

// ecdfLine is one distribution of a plot: sorted latencies, drawn as their empirical
// distribution.
type ecdfLine struct {
	label     string
	color     color.Color
	dashes    []vg.Length
	latencies []time.Duration
}

// writeECDFs draws lines (those with no latencies are left out) on a logarithmic x axis in
// seconds into path (SVG, PNG or PDF: by its extension).
func writeECDFs(path, title, xLabel, yLabel string, lines []ecdfLine) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.LogTicks{Prec: -1}
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: "0"}, {Value: 0.25, Label: "0.25"},
		{Value: 0.5, Label: "0.5"}, {Value: 0.75, Label: "0.75"}, {Value: 1, Label: "1"}})
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(16)
	p.Add(plotter.NewGrid())
	for _, ln := range lines {
		pts := ecdf(ln.latencies)
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plot %s: %w", ln.label, err)
		}
		if ln.color != nil {
			l.Color = ln.color
		}
		l.Width = vg.Points(1.5)
		l.Dashes = ln.dashes
		p.Add(l)
		p.Legend.Add(ln.label, l)
	}
	if err := p.Save(9*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
