package ecsapi

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func (c *Client) poolCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pools)
}

// fakeClock is a clock that moves only when told; the Client reads it under its mutex.
type fakeClock struct{ t time.Time }

func (f *fakeClock) now() time.Time          { return f.t }
func (f *fakeClock) advance(d time.Duration) { f.t = f.t.Add(d) }

// The SDK clients of a region unused for poolIdle are dropped, so the pools do not grow with
// every region id ever seen; a region still in use keeps its pool.
func TestPoolsOfIdleRegionsAreDropped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte(`{"TaskStatus":"Processing"}`))
	}))
	defer srv.Close()
	cred, err := StaticCredential("ak", "secret", "")
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(Config{Endpoint: srv.URL, Credential: cred})
	if err != nil {
		t.Fatal(err)
	}
	if c.poolIdle != defaultPoolIdle {
		t.Fatalf("poolIdle = %v, want %v", c.poolIdle, defaultPoolIdle)
	}
	clock := &fakeClock{t: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = clock.now
	ctx := context.Background()
	describe := func(region string) {
		t.Helper()
		if _, err := c.DescribeTask(ctx, region, "t-1"); err != nil {
			t.Fatalf("DescribeTask(%s): %v", region, err)
		}
	}

	const regions = 1000
	for i := range regions {
		describe(fmt.Sprintf("xx-region-%d", i))
	}
	if got := c.poolCount(); got != regions {
		t.Fatalf("after %d regions: %d pools, want %d", regions, got, regions)
	}
	clock.advance(defaultPoolIdle * 6 / 10)
	describe("kept") // used 0.6×poolIdle after the others
	clock.advance(defaultPoolIdle * 5 / 10)
	describe("new") // 1.1×poolIdle after the others, 0.5×poolIdle after "kept"
	if got, want := c.poolCount(), 2; got != want {
		t.Errorf("after the idle period: %d pools, want %d (kept, new)", got, want)
	}
	for _, r := range []string{"kept", "new"} {
		c.mu.Lock()
		_, ok := c.pools[r]
		c.mu.Unlock()
		if !ok {
			t.Errorf("pool of %s dropped, want kept", r)
		}
	}
}
