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
// its key) or stop accepting (a paused worker, see Source.Drain). Safe for concurrent use.
type Presence struct {
	kv        jetstream.KeyValue
	id        string
	log       *zap.Logger
	size      atomic.Int64
	rank      atomic.Int64 // accepting workers whose key sorts before this one's
	accepting atomic.Bool
	beatNow   chan struct{}
}

// Presence values: whether the worker accepts tasks.
const (
	presenceAccepting = "accepting"
	presencePaused    = "paused"
)

// NewPresence announces the worker workerID (a presence key: letters, digits, '-', '_', '.').
func NewPresence(a Assets, workerID string, log *zap.Logger) *Presence {
	if log == nil {
		log = zap.NewNop()
	}
	p := &Presence{kv: a.Workers, id: presenceKey(workerID), log: log.Named("presence"), beatNow: make(chan struct{}, 1)}
	p.size.Store(1)
	p.accepting.Store(true)
	return p
}

// Size implements poller.Fleet: the workers seen alive and accepting tasks at the latest
// beat, at least 1.
func (p *Presence) Size() int { return int(max(1, p.size.Load())) }

// Share is this worker's part of total things split among the workers that accept tasks:
// total/Size, and one more for the first total%Size of them by key. The parts of all workers
// add up to total exactly when they saw the same fleet (a share rounded up for all would
// leave workers with nothing: 64 among 9 is 8 each for 8 of them). Safe for concurrent use.
func (p *Presence) Share(total int) int {
	n, rank := p.Size(), int(p.rank.Load())
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
	if p.accepting.Load() {
		v = presenceAccepting
	}
	if _, err := p.kv.Put(ctx, p.id, []byte(v)); err != nil {
		if ctx.Err() == nil {
			p.log.Warn("cannot announce this worker; keeping the last fleet size", zap.Error(err))
		}
		return
	}
	n, rank, err := p.count(ctx)
	if err != nil {
		if ctx.Err() == nil {
			p.log.Warn("cannot count the workers; keeping the last fleet size", zap.Error(err))
		}
		return
	}
	p.rank.Store(int64(rank))
	if old := p.size.Swap(int64(n)); old != int64(n) {
		p.log.Info("workers sharing the ECS quota and the tasks", zap.Int("workers", n))
	}
}

// count returns the workers that accept tasks, and how many of them have a key that sorts
// before this worker's, read from a snapshot of the bucket.
func (p *Presence) count(ctx context.Context) (n, rank int, err error) {
	w, err := p.kv.WatchAll(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("list workers: %w", err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return 0, 0, fmt.Errorf("list workers: the watch ended")
			}
			if e == nil { // the snapshot is complete
				return max(1, n), rank, nil
			}
			if e.Operation() == jetstream.KeyValuePut && string(e.Value()) != presencePaused {
				n++
				if e.Key() < p.id {
					rank++
				}
			}
		case <-ctx.Done():
			return 0, 0, ctx.Err()
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
