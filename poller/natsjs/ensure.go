package natsjs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// The ensure functions create a missing asset, or bring an existing one up to want without
// ever lowering a setting (see Setup). What they keep is appended to kept.

// asset says how ensure finds, creates and updates one asset of type T.
type asset[T any] struct {
	what    string // "stream", "consumer", "bucket": for errors
	name    string
	get     func(context.Context) (T, error)
	missing error // what get says when the asset does not exist
	create  func(context.Context) (T, error)
	exists  []error // what create may say when another worker created the asset meanwhile
	// update brings the existing asset up to what is wanted, and returns it as it then is.
	update func(context.Context, T) (T, error)
}

// ensure returns the asset, created when it is missing or updated when it exists. When
// another worker creates it in between it looks again: 3 tries in all.
func ensure[T any](ctx context.Context, a asset[T]) (T, error) {
	var none T
	for range 3 {
		cur, err := a.get(ctx)
		if errors.Is(err, a.missing) {
			made, err := a.create(ctx)
			if slices.ContainsFunc(a.exists, func(e error) bool { return errors.Is(err, e) }) {
				continue // another worker created it meanwhile
			}
			return made, err
		}
		if err != nil {
			return none, err
		}
		return a.update(ctx, cur)
	}
	return none, fmt.Errorf("%s %s kept appearing and disappearing", a.what, a.name)
}

func ensureStream(ctx context.Context, js jetstream.JetStream, kept *[]string, want jetstream.StreamConfig) (jetstream.Stream, error) {
	return ensure(ctx, asset[jetstream.Stream]{
		what: "stream", name: want.Name,
		get:     func(ctx context.Context) (jetstream.Stream, error) { return js.Stream(ctx, want.Name) },
		missing: jetstream.ErrStreamNotFound,
		create:  func(ctx context.Context) (jetstream.Stream, error) { return js.CreateStream(ctx, want) },
		exists:  []error{jetstream.ErrStreamNameAlreadyInUse},
		update: func(ctx context.Context, s jetstream.Stream) (jetstream.Stream, error) {
			cur := s.CachedInfo().Config
			if !slices.Equal(cur.Subjects, want.Subjects) {
				return nil, fmt.Errorf("stream %s captures %v, this worker expects %v: another deployment with an overlapping --subject-prefix?",
					want.Name, cur.Subjects, want.Subjects)
			}
			next := cur
			next.Description = want.Description
			next.MaxAge = keepDuration(kept, want.Name, "max age", cur.MaxAge, want.MaxAge, true)
			next.Duplicates = keepDuration(kept, want.Name, "duplicate window", cur.Duplicates, want.Duplicates, false)
			next.Replicas = keepInt(kept, want.Name, "replicas", cur.Replicas, want.Replicas)
			next.MaxMsgSize = int32(keepInt(kept, want.Name, "max message size", int(cur.MaxMsgSize), int(want.MaxMsgSize)))
			if next.MaxAge == cur.MaxAge && next.Duplicates == cur.Duplicates && next.Replicas == cur.Replicas &&
				next.MaxMsgSize == cur.MaxMsgSize && next.Description == cur.Description {
				return s, nil
			}
			return js.UpdateStream(ctx, next)
		},
	})
}

func ensureConsumer(ctx context.Context, s jetstream.Stream, kept *[]string, want jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	return ensure(ctx, asset[jetstream.Consumer]{
		what: "consumer", name: want.Durable,
		get:     func(ctx context.Context) (jetstream.Consumer, error) { return s.Consumer(ctx, want.Durable) },
		missing: jetstream.ErrConsumerNotFound,
		create:  func(ctx context.Context) (jetstream.Consumer, error) { return s.CreateConsumer(ctx, want) },
		exists:  []error{jetstream.ErrConsumerExists},
		update: func(ctx context.Context, c jetstream.Consumer) (jetstream.Consumer, error) {
			cur := c.CachedInfo().Config
			next := want
			next.AckWait = keepDuration(kept, want.Durable, "ack wait", cur.AckWait, want.AckWait, false)
			next.MaxAckPending = keepInt(kept, want.Durable, "max ack pending", cur.MaxAckPending, want.MaxAckPending)
			if next.AckWait == cur.AckWait && next.MaxAckPending == cur.MaxAckPending && next.Description == cur.Description &&
				cur.MaxDeliver == want.MaxDeliver && cur.AckPolicy == want.AckPolicy {
				return c, nil
			}
			return s.UpdateConsumer(ctx, next)
		},
	})
}

func ensureBucket(ctx context.Context, js jetstream.JetStream, kept *[]string, want jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	return ensure(ctx, asset[jetstream.KeyValue]{
		what: "bucket", name: want.Bucket,
		get:     func(ctx context.Context) (jetstream.KeyValue, error) { return js.KeyValue(ctx, want.Bucket) },
		missing: jetstream.ErrBucketNotFound,
		create:  func(ctx context.Context) (jetstream.KeyValue, error) { return js.CreateKeyValue(ctx, want) },
		exists:  []error{jetstream.ErrBucketExists, jetstream.ErrStreamNameAlreadyInUse},
		update: func(ctx context.Context, kv jetstream.KeyValue) (jetstream.KeyValue, error) {
			st, err := kv.Status(ctx)
			if err != nil {
				return nil, err
			}
			cur := st.(*jetstream.KeyValueBucketStatus).StreamInfo().Config
			next := want
			next.TTL = keepDuration(kept, want.Bucket, "TTL", cur.MaxAge, want.TTL, true)
			next.Replicas = keepInt(kept, want.Bucket, "replicas", cur.Replicas, want.Replicas)
			// Messages that expire by themselves, once allowed, stay allowed (the server cannot
			// take it back): the larger marker TTL is kept.
			next.LimitMarkerTTL = max(cur.SubjectDeleteMarkerTTL, want.LimitMarkerTTL)
			if next.TTL == cur.MaxAge && next.Replicas == cur.Replicas &&
				next.LimitMarkerTTL == cur.SubjectDeleteMarkerTTL && (next.LimitMarkerTTL == 0 || cur.AllowMsgTTL) {
				return kv, nil
			}
			return js.UpdateKeyValue(ctx, next)
		},
	})
}

// keepDuration returns the larger of the asset's current value and the wanted one; with
// zeroIsForever, 0 (no limit) is the largest. It notes when the current value is kept.
func keepDuration(kept *[]string, asset, setting string, cur, want time.Duration, zeroIsForever bool) time.Duration {
	larger := cur > want
	if zeroIsForever {
		larger = cur == 0 && want != 0 || cur != 0 && want != 0 && cur > want
	}
	if !larger {
		return want
	}
	*kept = append(*kept, fmt.Sprintf("%s %s: keeping %s, larger than this worker's %s", asset, setting, durationName(cur), durationName(want)))
	return cur
}

// keepInt is keepDuration for counts and sizes, where a value of 0 or less means no limit.
func keepInt(kept *[]string, asset, setting string, cur, want int) int {
	if want <= 0 || cur > 0 && cur <= want {
		return want
	}
	if cur <= 0 {
		*kept = append(*kept, fmt.Sprintf("%s %s: keeping no limit, larger than this worker's %d", asset, setting, want))
		return cur
	}
	*kept = append(*kept, fmt.Sprintf("%s %s: keeping %d, more than this worker's %d", asset, setting, cur, want))
	return cur
}

func durationName(d time.Duration) string {
	if d == 0 {
		return "no limit"
	}
	return d.String()
}
