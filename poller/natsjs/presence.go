package natsjs

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Fleet = (*Presence)(nil)

// Presence timing: a worker says it is alive every PresenceBeat; one that has not for
// PresenceTTL is gone (the bucket's TTL removes its key).
const (
	PresenceBeat = 2 * time.Second
	PresenceTTL  = 3 * PresenceBeat
)

// Presence announces this worker in the presence bucket (Assets.Workers) and counts the
// workers that are alive and accept tasks, so that each takes its share of the fleet's ECS
// quota (poller.WithFleet) and of the partitions (WithPresence): shares follow workers joining
// within a beat and leaving within the TTL, or at once when they stop gracefully (Run deletes
// its key) or stop accepting (a paused worker, see Source.Drain). A full worker (one at its
// capacity with tasks waiting in its partitions, see Source.SetCapacity) still polls, so it
// counts for the quota, but not for the partitions while some worker is not full: the
// others' shares grow by its part, so that they take the partitions it gives up. A spare
// worker (full before, room again) is not counted either: it takes free partitions, and
// nobody gives any up for it. When none is counted, all share them evenly. Safe for
// concurrent use.
type Presence struct {
	kv        jetstream.KeyValue
	id        string
	log       *zap.Logger
	size      atomic.Int64 // workers that share the partitions: neither full nor spare (all when none is)
	rank      atomic.Int64 // of those, the ones whose key sorts before this one's
	fleet     atomic.Int64 // workers that poll: accepting, full or not
	room      atomic.Int64 // other workers not full: room for partitions
	accepting atomic.Bool
	full      atomic.Bool
	spare     atomic.Bool
	beatNow   chan struct{}
}

// Presence values: whether the worker accepts tasks, and partitions.
const (
	presenceAccepting = "accepting"
	presenceFull      = "full"  // polls, takes no more partitions
	presenceSpare     = "spare" // has room again: takes free partitions, has no share
	presencePaused    = "paused"
)

// NewPresence announces the worker workerID (a presence key: letters, digits, '-', '_', '.').
func NewPresence(a Assets, workerID string, log *zap.Logger) *Presence {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Presence{kv: a.Workers, id: presenceKey(workerID), log: log.Named("presence"), beatNow: make(chan struct{}, 1)}
	p.size.Store(1)
	p.fleet.Store(1)
	p.accepting.Store(true)
	return p
}

// Size implements poller.Fleet: the workers seen alive and accepting tasks (full or not) at
// the latest beat, at least 1.
func (p *Presence) Size() int { return int(max(1, p.fleet.Load())) }

// Room reports whether another worker seen at the latest beat has room for more partitions
// (accepting, or spare): one that a full worker gives up is taken.
func (p *Presence) Room() bool { return p.room.Load() > 0 }

// Share is this worker's part of total things split among the workers that accept tasks
// and are neither full nor spare (all of them when none is):
// total/Size, and one more for the first total%Size of them by key. The parts of all workers
// add up to total exactly when they saw the same fleet (a share rounded up for all would
// leave workers with nothing: 64 among 9 is 8 each for 8 of them). Safe for concurrent use.
func (p *Presence) Share(total int) int {
	n, rank := int(max(1, p.size.Load())), int(p.rank.Load())
	if rank < total%n {
		return total/n + 1
	}
	return total / n
}

// SetAccepting says whether this worker accepts tasks; the others learn it at once (a beat
// is sent now).
func (p *Presence) SetAccepting(on bool) {
	if p.accepting.Swap(on) == on {
		return
	}
	p.beatSoon()
}

// SetFull says whether this worker is full: it polls, but takes no more partitions. The
// others learn it at once (a beat is sent now).
func (p *Presence) SetFull(on bool) {
	if p.full.Swap(on) == on {
		return
	}
	p.beatSoon()
}

// SetSpare says whether this worker is spare: it was full and has room again; it takes
// partitions that are free but is not counted when the others share them, so that none
// gives up partitions (and the tasks it tracks there) for it.
func (p *Presence) SetSpare(on bool) {
	if p.spare.Swap(on) == on {
		return
	}
	p.beatSoon()
}

func (p *Presence) beatSoon() {
	select {
	case p.beatNow <- struct{}{}:
	default:
	}
}

// Run announces the worker every PresenceBeat and counts the others until ctx ends; then it
// removes the worker's key, so that the others take over its share at once.
func (p *Presence) Run(ctx context.Context) error {
	tick := time.NewTicker(PresenceBeat)
	defer tick.Stop()
	for {
		p.beat(ctx)
		select {
		case <-tick.C:
		case <-p.beatNow:
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
			defer cancel()
			if err := p.kv.Delete(dctx, p.id); err != nil {
				p.log.Debug("cannot remove this worker's presence; it expires by itself", zap.Error(err))
			}
			return nil
		}
	}
}

func (p *Presence) beat(ctx context.Context) {
	v := presencePaused
	switch {
	case p.accepting.Load() && p.full.Load():
		v = presenceFull
	case p.accepting.Load() && p.spare.Load():
		v = presenceSpare
	case p.accepting.Load():
		v = presenceAccepting
	}
	if _, err := p.kv.Put(ctx, p.id, []byte(v)); err != nil {
		if ctx.Err() == nil {
			logFailure(p.log, "cannot announce this worker; keeping the last fleet size", err)
		}
		return
	}
	c, err := p.count(ctx)
	if err != nil {
		if ctx.Err() == nil {
			logFailure(p.log, "cannot count the workers; keeping the last fleet size", err)
		}
		return
	}
	p.rank.Store(int64(c.rank))
	p.room.Store(int64(c.room))
	oldFleet, oldSize := p.fleet.Swap(int64(c.fleet)), p.size.Swap(int64(c.size))
	if oldFleet != int64(c.fleet) || oldSize != int64(c.size) {
		p.log.Info("workers sharing the ECS quota and the tasks",
			zap.Int("workers", c.fleet), zap.Int("taking_partitions", c.size))
	}
}

// census is what one count of the presence bucket found.
type census struct {
	fleet int // workers that accept tasks, full or not
	size  int // of those, the ones neither full nor spare, or all when none is (at least 1)
	rank  int // of those, the ones whose key sorts before this worker's
	room  int // workers other than this one that are not full
}

// count counts the workers from a snapshot of the bucket.
func (p *Presence) count(ctx context.Context) (census, error) {
	w, err := p.kv.WatchAll(ctx)
	if err != nil {
		return census{}, fmt.Errorf("list workers: %w", err)
	}
	defer func() { _ = w.Stop() }()
	var c census
	rankAll := 0 // workers accepting, full or not, whose key sorts before this worker's
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return census{}, fmt.Errorf("list workers: the watch ended")
			}
			if e == nil { // the snapshot is complete
				if c.size == 0 {
					c.size, c.rank = c.fleet, rankAll
				}
				c.fleet, c.size = max(1, c.fleet), max(1, c.size)
				return c, nil
			}
			if e.Operation() != jetstream.KeyValuePut || string(e.Value()) == presencePaused {
				continue
			}
			c.fleet++
			if e.Key() < p.id {
				rankAll++
			}
			v := string(e.Value())
			if v != presenceFull && e.Key() != p.id {
				c.room++
			}
			if v == presenceFull || v == presenceSpare {
				continue
			}
			c.size++
			if e.Key() < p.id {
				c.rank++
			}
		case <-ctx.Done():
			return census{}, ctx.Err()
		}
	}
}

// presenceKey makes a worker id a valid KV key.
func presenceKey(id string) string {
	b := []byte(id)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 {
		return "worker"
	}
	return string(b)
}
