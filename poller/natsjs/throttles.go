package natsjs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.Throttles = (*Throttles)(nil)

// Throttles carries the fleet's ECS rate cuts on core NATS (events.Subjects.Throttled): a cut
// reaches the other workers within a round trip, and nothing is stored. Whoever may publish on
// the subject can send a notice, so Run hands them on unchecked (a message that is not JSON,
// empty) and the worker's follow decides what counts. Safe for concurrent use.
type Throttles struct {
	nc      *nats.Conn
	subject string
	from    string // this worker's token: its own cuts are not followed twice
	log     *zap.Logger
}

// cutMessage is one announced cut.
type cutMessage struct {
	From   string  `json:"from"`
	API    string  `json:"api"`
	Region string  `json:"region_id"`
	Factor float64 `json:"factor"`
}

// NewThrottles announces and follows cuts on nc.
func NewThrottles(nc *nats.Conn, s events.Subjects, log *zap.Logger) *Throttles {
	if log == nil {
		log = zap.NewNop()
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	return &Throttles{nc: nc, subject: s.Throttled(), from: hex.EncodeToString(b[:]), log: log.Named("throttles")}
}

// Announce implements poller.Throttles.
func (t *Throttles) Announce(api, region string, factor float64) {
	b, err := json.Marshal(cutMessage{From: t.from, API: api, Region: region, Factor: factor})
	if err == nil {
		err = t.nc.Publish(t.subject, b)
	}
	if err != nil {
		t.log.Debug("cannot tell the fleet of a rate cut", zap.Error(err))
	}
}

// Run implements poller.Throttles.
func (t *Throttles) Run(ctx context.Context, follow func(api, region string, factor float64)) error {
	ch := make(chan *nats.Msg, 64)
	sub, err := t.nc.ChanSubscribe(t.subject, ch)
	if err != nil {
		return fmt.Errorf("subscribe to rate cuts: %w", err)
	}
	defer func() { _ = sub.Unsubscribe() }()
	for {
		select {
		case m := <-ch:
			var c cutMessage
			if err := json.Unmarshal(m.Data, &c); err != nil {
				c = cutMessage{} // not a cut: handed on empty, for follow to count as invalid
			} else if c.From == t.from {
				continue // this worker's own
			}
			follow(c.API, c.Region, c.Factor)
		case <-ctx.Done():
			return nil
		}
	}
}
