package poller

import (
	"fmt"
	"testing"
	"time"
)

// ECS counts each API's calls per region in wall-clock seconds. Driven at full demand — a
// call wanted every millisecond, by progress reads (allow) and by reads that queue (take,
// release) — a worker's limits never grant more calls in one such second than its share of
// the quota, including after idle spells (a full bucket) and when the fleet grows or shrinks
// (share). Both APIs' limits are sized this way (newQuotaLimits).
func TestLimitsFitAPerSecondQuota(t *testing.T) {
	for _, c := range []struct {
		quota float64
		burst int // as the worker configures it: APIBurst defaults to the quota
	}{{10, 10}, {200, 200}, {30, 30}, {4, 4}, {1000, 1000}, {50, 500}} {
		t.Run(fmt.Sprint(c.quota), func(t *testing.T) {
			l := newQuotaLimits(c.quota, c.burst, time.Minute)
			base := time.Unix(1000, 0)   // a wall-clock second starts here
			fleet := func(sec int) int { // workers sharing the quota, second by second
				switch {
				case sec >= 40 && sec < 60:
					return 3
				case sec >= 60 && sec < 80:
					return 2
				}
				return 1
			}
			var key int
			for sec := range 100 {
				n := fleet(sec)
				// The share in force in this second: when the fleet changes, the larger one.
				share := c.quota / float64(min(n, fleet(max(0, sec-1))))
				granted := 0
				for ms := range 1000 {
					now := base.Add(time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond)
					if ms == 0 {
						l.share(n, now)
					}
					if sec%20 >= 15 {
						continue // idle: the bucket fills
					}
					if l.allow("r", now) {
						granted++
					}
					key++
					if l.take("r", fmt.Sprint(key), now, true) == turnNow {
						granted++
					}
					g, _ := l.release(now)
					for _, gr := range g {
						l.take("r", gr.key, now, true)
						granted++
					}
				}
				if share >= 1 && float64(granted) > share {
					t.Fatalf("second %d (a fleet of %d): %d calls granted, over the share %g of the per-second quota %g",
						sec, n, granted, share, c.quota)
				}
			}
		})
	}
}
