package natsjs

import "testing"

// The workers' parts add up to the partitions exactly, and differ by one at most: no worker
// of a fleet of up to 64 is left without partitions (rounding the share up for everyone left
// 64 among 9 as 8 for 8 workers and none for the 9th).
func TestShareSplitsExactly(t *testing.T) {
	for n := 1; n <= 80; n++ {
		sum, lo, hi := 0, Partitions, 0
		for rank := range n {
			p := &Presence{}
			p.size.Store(int64(n))
			p.rank.Store(int64(rank))
			got := p.Share(Partitions)
			sum, lo, hi = sum+got, min(lo, got), max(hi, got)
		}
		if sum != Partitions || hi-lo > 1 || (n <= Partitions && lo == 0) {
			t.Errorf("%d workers: parts add to %d (want %d), from %d to %d", n, sum, Partitions, lo, hi)
		}
	}
}
