package natsjs

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/taskpoller/taskpoller/events"
)

// DiscoveryTTL returns the TTL of the regions' discovery leases for an ack wait: a fifth of
// it (100ms at least, the least the server takes). A holder renews its lease a third of the
// TTL apart and the other workers try to take it as often, so a dead holder's region is taken
// over at most a TTL and a third after its last renewal: 4/15 of the ack wait (8 s of the
// default 30 s), within the third of the ack wait discovery promises, with a fifteenth of it
// (2 s) to spare for round trips and the server's expiry of the key (which it checks at the
// next key's due time, at least a quarter of a second apart).
func DiscoveryTTL(ackWait time.Duration) time.Duration {
	return max(ackWait/5, 100*time.Millisecond)
}

// setupDiscovery ensures discovery's buckets: the regions' leases, whose TTL makes a silent
// holder's lease vanish, and their cursors, without TTL (a cursor is how far a region's
// listing is complete, whoever holds its lease, for as long as the deployment lives). The
// leases' TTL follows the ack wait in force (a.AckWait, which Setup never lowers), so that the
// takeover bound holds for the fleet's ack wait. It sets a's discovery fields.
func setupDiscovery(ctx context.Context, js jetstream.JetStream, s events.Subjects, cfg SetupConfig, a *Assets) error {
	var err error
	a.DiscoveryLeases, err = ensureBucket(ctx, js, &a.Kept, jetstream.KeyValueConfig{
		Bucket:      s.StreamName(events.DiscoveryLeasesRole),
		Description: "taskpoller: which worker lists each region's tasks (discovery), renewed by its holder",
		History:     1,
		TTL:         DiscoveryTTL(a.AckWait),
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("discovery leases bucket: %w", err)
	}
	st, err := a.DiscoveryLeases.Status(ctx)
	if err != nil {
		return fmt.Errorf("discovery leases bucket: %w", err)
	}
	a.DiscoveryTTL = st.TTL()
	a.DiscoveryCursors, err = ensureBucket(ctx, js, &a.Kept, jetstream.KeyValueConfig{
		Bucket:      s.StreamName(events.DiscoveryCursorsRole),
		Description: "taskpoller: how far each region's discovery listing is complete (tasks created before it are registered)",
		History:     1,
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("discovery cursors bucket: %w", err)
	}
	return nil
}
