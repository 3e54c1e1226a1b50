package natsjs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.StateStore = (*StateStore)(nil)

// StateStore keeps each task's poller.State in a JetStream key-value bucket, keyed
// "<region>.<task>", with the bucket's revisions for compare-and-set. Safe for concurrent use.
type StateStore struct {
	kv   jetstream.KeyValue
	opts options
}

// NewStateStore wraps a bucket made by Setup. The bucket handle names the bucket, so it keeps
// working when a Healer recreates the bucket.
func NewStateStore(kv jetstream.KeyValue, opts ...Option) *StateStore {
	return &StateStore{kv: kv, opts: applyOptions(opts)}
}

// Get implements poller.StateStore.
func (s *StateStore) Get(ctx context.Context, key string) (poller.State, uint64, error) {
	e, err := s.kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return poller.State{}, 0, poller.ErrNoState
	}
	if err != nil {
		s.opts.heal(ctx, err)
		return poller.State{}, 0, fmt.Errorf("get state %s: %w", key, err)
	}
	var st poller.State
	if err := json.Unmarshal(e.Value(), &st); err != nil {
		return poller.State{}, 0, fmt.Errorf("decode state %s: %w", key, err)
	}
	return st, e.Revision(), nil
}

// Create implements poller.StateStore.
func (s *StateStore) Create(ctx context.Context, key string, st poller.State) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	rev, err := s.kv.Create(ctx, key, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		return 0, poller.ErrStateExists
	}
	if err != nil {
		s.opts.heal(ctx, err)
		return 0, fmt.Errorf("create state %s: %w", key, err)
	}
	return rev, nil
}

// Update implements poller.StateStore.
func (s *StateStore) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	next, err := s.kv.Update(ctx, key, b, rev)
	if isWrongRevision(err) {
		return 0, poller.ErrStateConflict
	}
	if err != nil {
		s.opts.heal(ctx, err)
		return 0, fmt.Errorf("update state %s: %w", key, err)
	}
	return next, nil
}

func isWrongRevision(err error) bool {
	if errors.Is(err, jetstream.ErrKeyExists) {
		return true
	}
	return isWrongLastSequence(err)
}
