package memory

import (
	"context"
	"encoding/json"
	"errors"
	"sync"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.StateStore = (*Store)(nil)

// ErrDown is what every call of a Store returns while it is down.
var ErrDown = errors.New("state store unavailable")

// Store is a poller.StateStore; states are copied through JSON, as a real store would.
type Store struct {
	mu   sync.Mutex
	rev  uint64
	vals map[string][]byte
	revs map[string]uint64
	down bool
}

// NewStore returns an empty store.
func NewStore() *Store { return &Store{vals: map[string][]byte{}, revs: map[string]uint64{}} }

// SetDown makes every call fail with ErrDown (true), as when the bucket is unavailable, or
// work again (false).
func (s *Store) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Forget removes a key, as the bucket's TTL would.
func (s *Store) Forget(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.vals, key)
	delete(s.revs, key)
}

// Get implements poller.StateStore.
func (s *Store) Get(_ context.Context, key string) (poller.State, uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return poller.State{}, 0, ErrDown
	}
	b, ok := s.vals[key]
	if !ok {
		return poller.State{}, 0, poller.ErrNoState
	}
	var st poller.State
	if err := json.Unmarshal(b, &st); err != nil {
		return poller.State{}, 0, err
	}
	return st, s.revs[key], nil
}

// Create implements poller.StateStore.
func (s *Store) Create(_ context.Context, key string, st poller.State) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, ErrDown
	}
	if _, ok := s.vals[key]; ok {
		return 0, poller.ErrStateExists
	}
	return s.put(key, st)
}

// Update implements poller.StateStore.
func (s *Store) Update(_ context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return 0, ErrDown
	}
	if cur, ok := s.revs[key]; !ok || cur != rev {
		return 0, poller.ErrStateConflict
	}
	return s.put(key, st)
}

func (s *Store) put(key string, st poller.State) (uint64, error) {
	b, err := json.Marshal(st)
	if err != nil {
		return 0, err
	}
	s.rev++
	s.vals[key], s.revs[key] = b, s.rev
	return s.rev, nil
}
