package ecsemu

import (
	"sync"
	"time"
)

// nonceSet remembers signature nonces for ttl, at most capacity of them
// (the oldest are forgotten first). Entries are kept in a ring in insertion
// order, so expiry and eviction are O(1) amortized.
type nonceSet struct {
	mu      sync.Mutex
	ttl     time.Duration
	seen    map[string]time.Time
	ring    []nonceEntry
	head, n int
}

type nonceEntry struct {
	nonce string
	at    time.Time
}

func newNonceSet(capacity int, ttl time.Duration) *nonceSet {
	return &nonceSet{ttl: ttl, seen: make(map[string]time.Time, min(capacity, 1024)), ring: make([]nonceEntry, capacity)}
}

// add records nonce at now; false means it was seen within ttl.
func (s *nonceSet) add(nonce string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.n > 0 {
		e := s.ring[s.head]
		if now.Sub(e.at) < s.ttl && s.n < len(s.ring) {
			break
		}
		s.pop()
	}
	if at, ok := s.seen[nonce]; ok && now.Sub(at) < s.ttl {
		return false
	}
	s.seen[nonce] = now
	s.ring[(s.head+s.n)%len(s.ring)] = nonceEntry{nonce, now}
	s.n++
	return true
}

func (s *nonceSet) pop() {
	e := s.ring[s.head]
	if at, ok := s.seen[e.nonce]; ok && at.Equal(e.at) {
		delete(s.seen, e.nonce)
	}
	s.ring[s.head] = nonceEntry{}
	s.head = (s.head + 1) % len(s.ring)
	s.n--
}
