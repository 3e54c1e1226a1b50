package natsclient

import (
	"context"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"go.uber.org/zap"
)

// blackhole forwards TCP connections to target until stalled: then it keeps every connection
// open but passes nothing either way, as a network cut that closes nothing does (no FIN, no
// RST: the client's writes succeed and no answer ever comes).
type blackhole struct {
	ln      net.Listener
	target  string
	mu      sync.Mutex
	stalled bool
	conns   []net.Conn
	wg      sync.WaitGroup
}

func newBlackhole(t *testing.T, target string) *blackhole {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &blackhole{ln: ln, target: target}
	b.wg.Go(b.accept)
	t.Cleanup(func() {
		_ = ln.Close()
		b.mu.Lock()
		for _, c := range b.conns {
			_ = c.Close()
		}
		b.mu.Unlock()
		b.wg.Wait()
	})
	return b
}

func (b *blackhole) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", b.target)
		if err != nil {
			_ = c.Close()
			continue
		}
		b.mu.Lock()
		b.conns = append(b.conns, c, s)
		b.mu.Unlock()
		b.wg.Go(func() { b.pipe(c, s) })
		b.wg.Go(func() { b.pipe(s, c) })
	}
}

// pipe copies src to dst, dropping what arrives while stalled.
func (b *blackhole) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			b.mu.Lock()
			stalled := b.stalled
			b.mu.Unlock()
			if !stalled {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			if err != io.EOF {
				_ = err // closed by the test's cleanup
			}
			_ = dst.Close()
			return
		}
	}
}

func (b *blackhole) stall() {
	b.mu.Lock()
	b.stalled = true
	b.mu.Unlock()
}

// A connection whose server stops answering without closing it is dropped by the client's
// pings — the link reports NATS out of reach — instead of being held as connected. (With the
// client's default of 2 minutes between pings, it was held for minutes after a network cut.)
// The ping interval is shortened here; what the test asserts is that the link notices at
// all, within a deadline many intervals long.
func TestLinkDropsAConnectionThatStopsAnswering(t *testing.T) {
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	t.Cleanup(srv.Shutdown)
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats server did not start")
	}
	bh := newBlackhole(t, srv.Addr().String())
	l := NewLink("nats://"+bh.ln.Addr().String(), zap.NewNop())
	l.ping = 100 * time.Millisecond
	dropped := make(chan struct{})
	var once sync.Once
	// The test's handler replaces the link's own (told apart elsewhere): it marks the moment
	// the client gives the connection up.
	nc, err := l.Connect(context.Background(), "test", false,
		nats.DisconnectErrHandler(func(*nats.Conn, error) { once.Do(func() { close(dropped) }) }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	bh.stall()
	select {
	case <-dropped:
	case <-time.After(20 * time.Second):
		t.Fatalf("the client still holds the connection %s after the server stopped answering", 20*time.Second)
	}
}
