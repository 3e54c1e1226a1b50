package ecsemu

import (
	"strconv"
	"testing"
	"time"
)

func TestNonceSetExpiresAndIsBounded(t *testing.T) {
	s := newNonceSet(3, time.Minute)
	t0 := time.Unix(1700000000, 0)
	if !s.add("a", t0) || s.add("a", t0.Add(time.Second)) {
		t.Fatalf("a reused within the ttl must be refused")
	}
	if !s.add("a", t0.Add(2*time.Minute)) {
		t.Errorf("a after the ttl must be accepted again")
	}
	for i := range 10 {
		if !s.add("n"+strconv.Itoa(i), t0.Add(3*time.Minute)) {
			t.Fatalf("fresh nonce %d refused", i)
		}
	}
	if got := len(s.seen); got > 3 {
		t.Errorf("set holds %d nonces, capacity 3", got)
	}
	if s.add("n9", t0.Add(3*time.Minute)) {
		t.Errorf("the newest nonce must still be remembered")
	}
}

func TestLifecycleProgress(t *testing.T) {
	l := &lifecycle{waiting: time.Minute, processing: 10 * time.Minute}
	for _, tc := range []struct {
		at           time.Duration
		status, proc string
	}{
		{0, StatusWaiting, "0%"},
		{time.Minute, StatusProcessing, "0%"},
		{6 * time.Minute, StatusProcessing, "50%"},
		{11*time.Minute - time.Nanosecond, StatusProcessing, "99%"},
		{11 * time.Minute, StatusFinished, "100%"},
	} {
		if st, p, _ := l.at(tc.at); st != tc.status || p != tc.proc {
			t.Errorf("at %v: %s %s, want %s %s", tc.at, st, p, tc.status, tc.proc)
		}
	}
	l.failAt = 0.4
	if st, p, ended := l.at(time.Hour); st != StatusFailed || p != "40%" || ended != 5*time.Minute {
		t.Errorf("failing: %s %s %v", st, p, ended)
	}
}
