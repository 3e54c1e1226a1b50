package ecsemu

import (
	"testing"
	"time"
)

// At its limit the store of issued keys forgets those expired longer than the retention, and
// else the one that expires first; never more than the limit are kept.
func TestTempKeysBounded(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	k := newTempKeys(2)
	old, _, _ := k.issue("1", now.Add(-tempKeyRetention), now)
	soon, _, _ := k.issue("1", now.Add(time.Minute), now)
	late, _, _ := k.issue("1", now.Add(time.Hour), now) // forgets old, past its retention
	if _, _, ok := k.lookup(old); ok {
		t.Error("a key past its retention is kept")
	}
	later, _, _ := k.issue("2", now.Add(2*time.Hour), now) // forgets soon, the first to expire
	for id, want := range map[string]bool{soon: false, late: true, later: true} {
		if _, _, ok := k.lookup(id); ok != want {
			t.Errorf("key %s kept = %v, want %v", id, ok, want)
		}
	}
	if cred, exp, _ := k.lookup(later); cred.account != "2" || !exp.Equal(now.Add(2*time.Hour)) || cred.token == "" || cred.secret == "" {
		t.Errorf("issued key %+v, expires %v", cred, exp)
	}
	if n := len(k.keys); n != 2 {
		t.Errorf("%d keys kept, limit 2", n)
	}
}
