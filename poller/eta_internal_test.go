package poller

import (
	"testing"
	"time"
)

func TestProgressEstimate(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	tests := []struct {
		name     string
		readings []struct {
			s int
			p string
		}
		want time.Time // zero: no estimate
	}{
		{"one reading", []struct {
			s int
			p string
		}{{0, "10%"}}, time.Time{}},
		{"linear", []struct {
			s int
			p string
		}{{0, "10%"}, {10, "20%"}}, at(90)},
		{"unchanged readings keep the first move", []struct {
			s int
			p string
		}{{0, "10%"}, {10, "20%"}, {20, "20%"}}, at(90)},
		{"going back starts again", []struct {
			s int
			p string
		}{{0, "50%"}, {10, "60%"}, {20, "10%"}}, time.Time{}},
		{"not a percentage", []struct {
			s int
			p string
		}{{0, "abc"}, {10, ""}}, time.Time{}},
		{"done", []struct {
			s int
			p string
		}{{0, "50%"}, {10, "100%"}}, time.Time{}},
	}
	for _, tt := range tests {
		var p progress
		for _, r := range tt.readings {
			p = p.observe(at(r.s), r.p)
		}
		got, ok := p.estimate()
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("%s: estimate = %v %v, want %v", tt.name, got, ok, tt.want)
		}
	}
}
