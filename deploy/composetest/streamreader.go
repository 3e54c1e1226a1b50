package composetest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamReader reads a stream from its first message with an ordered consumer and keeps its
// place between calls to ReadAll. Each stored message is handed to its handler once, by
// stream sequence, even when the ordered consumer is reset and delivers some again.
type StreamReader struct {
	cons jetstream.Consumer
	add  func(jetstream.Msg, *jetstream.MsgMetadata) error
	seen map[uint64]bool
}

// NewStreamReader reads the messages of stream on filters (all subjects when none) and hands
// each to add, which may stop ReadAll with an error.
func NewStreamReader(ctx context.Context, js jetstream.JetStream, stream string, filters []string, add func(jetstream.Msg, *jetstream.MsgMetadata) error) (*StreamReader, error) {
	cons, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{
		FilterSubjects: filters,
		DeliverPolicy:  jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return nil, fmt.Errorf("ordered consumer on %s: %w", stream, err)
	}
	return &StreamReader{cons: cons, add: add, seen: map[uint64]bool{}}, nil
}

// ReadAll hands on every stored message not read yet, returning once a fetch finds none.
func (r *StreamReader) ReadAll(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		batch, err := r.cons.Fetch(256, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			return fmt.Errorf("fetch: %w", err)
		}
		n := 0
		for msg := range batch.Messages() {
			n++
			meta, err := msg.Metadata()
			if err != nil {
				return err
			}
			if r.seen[meta.Sequence.Stream] {
				continue
			}
			r.seen[meta.Sequence.Stream] = true
			if err := r.add(msg, meta); err != nil {
				return err
			}
		}
		if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("fetch: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}
