package poller_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// outageAfterTerminal fails every write recording a terminal task with nothing left to
// publish until window has passed since the first such write: the state bucket is out (or
// times out) right after the terminal events are stored, for longer than the duplicate
// window.
type outageAfterTerminal struct {
	poller.StateStore
	window time.Duration

	mu     sync.Mutex
	first  time.Time
	failed int
}

func (s *outageAfterTerminal) Update(ctx context.Context, key string, st poller.State, rev uint64) (uint64, error) {
	if st.Terminal && st.Outbox == nil {
		s.mu.Lock()
		if s.first.IsZero() {
			s.first = time.Now()
		}
		out := time.Since(s.first) < s.window
		if out {
			s.failed++
		}
		s.mu.Unlock()
		if out {
			return 0, errors.New("state bucket: timeout")
		}
	}
	return s.StateStore.Update(ctx, key, st, rev)
}

// On a real server with a 1 s duplicate window: the terminal events are stored, recording
// them fails for twice the window, and each task still has exactly one terminal event — the
// retries record and settle, they never poll or publish again. (Before, the same finished
// notice was stored a second time once the window had passed.)
func TestTerminalRecordOutagePastTheWindowEndsOnce(t *testing.T) {
	e := newEnv(t)
	e.setup.DedupWindow = time.Second
	st := &outageAfterTerminal{window: 2 * e.setup.DedupWindow}
	e.wrapStore = func(s poller.StateStore) poller.StateStore { st.StateStore = s; return st }
	_, js := e.connect()
	col := e.collect(js)
	ids := addLifecycles(t, e, 5, 100*time.Millisecond)
	cfg := fastConfig()
	cfg.PollMax = 500 * time.Millisecond // retries of the record come after the window
	a := e.startWorker(cfg)
	for _, id := range ids {
		e.register(js, id, "")
	}
	col.waitTerminal(t, 30*time.Second, ids...)
	waitFor(t, 30*time.Second, "every task settled", every(t, 50*time.Millisecond), func() bool { return a.w.Tracked() == 0 })
	st.mu.Lock()
	failed := st.failed
	st.mu.Unlock()
	if failed < len(ids) {
		t.Fatalf("only %d terminal records failed; the test needs every task's to", failed)
	}
	checkExactlyOnce(t, col, ids)
}
