package ecsapi

import (
	"fmt"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"
)

// poolSize is how many idle SDK clients are kept per region.
const poolSize = 64

// defaultPoolIdle is how long the SDK clients of a region are kept after its last call.
// Region ids come from untrusted registrations: without a limit, every id ever seen would
// keep its pool (~3.7 KiB) for the life of the process.
const defaultPoolIdle = 10 * time.Minute

// regionPool holds the idle SDK clients of one region.
type regionPool struct {
	idle     chan *ecs.Client
	lastUsed time.Time // last lend or release
}

// pool returns the idle clients of region, creating the pool if needed, and marks it used.
// At most every poolIdle/2 it first drops the pools unused for poolIdle, so the pools held
// are those of the regions used in the last 1.5×poolIdle, and sweeping costs O(pools) per
// half period.
func (c *Client) pool(region string) chan *ecs.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if now.Sub(c.lastSweep) >= c.poolIdle/2 {
		c.sweep(now)
	}
	p, ok := c.pools[region]
	if !ok {
		p = &regionPool{idle: make(chan *ecs.Client, poolSize)}
		c.pools[region] = p
	}
	p.lastUsed = now
	return p.idle
}

// sweep drops the pools unused for poolIdle; c.mu must be held. Idle SDK clients own no
// connection or goroutine (they share c.http), so dropping them frees them. A client lent out
// of a dropped pool is given back to a new pool of its region.
func (c *Client) sweep(now time.Time) {
	for region, p := range c.pools {
		if now.Sub(p.lastUsed) >= c.poolIdle {
			delete(c.pools, region)
		}
	}
	c.lastSweep = now
}

// client lends an SDK client for region; give it back with release.
func (c *Client) client(region string) (*ecs.Client, error) {
	select {
	case cl := <-c.pool(region):
		return cl, nil
	default:
	}
	return c.newSDKClient(region)
}

// newSDKClient builds an SDK client for region. Without Config.Endpoint its endpoint is left
// to the SDK, which resolves the official one of region as every Alibaba Cloud SDK does: the
// host its EndpointMap names for region (cn-hangzhou, finance and government regions, ...),
// else ecs.<region>.aliyuncs.com.
func (c *Client) newSDKClient(region string) (*ecs.Client, error) {
	cfg := &openapiutil.Config{
		Protocol:    tea.String(c.protocol),
		RegionId:    tea.String(region),
		Credential:  c.cred,
		ReadTimeout: tea.Int(int(c.cfg.Timeout / time.Millisecond)),
		HttpClient:  c.http,
	}
	if c.host != "" {
		cfg.Endpoint = tea.String(c.host)
	}
	cl, err := ecs.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("ecs client for %s: %w", region, err)
	}
	return cl, nil
}

func (c *Client) release(region string, cl *ecs.Client) {
	select {
	case c.pool(region) <- cl:
	default:
	}
}
