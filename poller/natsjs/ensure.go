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

func ensureStream(ctx context.Context, js jetstream.JetStream, kept *[]string, want jetstream.StreamConfig) (jetstream.Stream, error) {
	for range 3 {
		s, err := js.Stream(ctx, want.Name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			s, err = js.CreateStream(ctx, want)
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				continue // another worker created it meanwhile
			}
			return s, err
		}
		if err != nil {
			return nil, err
		}
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
	}
	return nil, fmt.Errorf("stream %s kept appearing and disappearing", want.Name)
}

func ensureConsumer(ctx context.Context, s jetstream.Stream, kept *[]string, want jetstream.ConsumerConfig) (jetstream.Consumer, error) {
	for range 3 {
		c, err := s.Consumer(ctx, want.Durable)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			c, err = s.CreateConsumer(ctx, want)
			if errors.Is(err, jetstream.ErrConsumerExists) {
				continue
			}
			return c, err
		}
		if err != nil {
			return nil, err
		}
		cur := c.CachedInfo().Config
		next := want
		next.AckWait = keepDuration(kept, want.Durable, "ack wait", cur.AckWait, want.AckWait, false)
		next.MaxAckPending = keepInt(kept, want.Durable, "max ack pending", cur.MaxAckPending, want.MaxAckPending)
		if next.AckWait == cur.AckWait && next.MaxAckPending == cur.MaxAckPending && next.Description == cur.Description &&
			cur.MaxDeliver == want.MaxDeliver && cur.AckPolicy == want.AckPolicy {
			return c, nil
		}
		return s.UpdateConsumer(ctx, next)
	}
	return nil, fmt.Errorf("consumer %s kept appearing and disappearing", want.Durable)
}

func ensureBucket(ctx context.Context, js jetstream.JetStream, kept *[]string, want jetstream.KeyValueConfig) (jetstream.KeyValue, error) {
	for range 3 {
		kv, err := js.KeyValue(ctx, want.Bucket)
		if errors.Is(err, jetstream.ErrBucketNotFound) {
			kv, err = js.CreateKeyValue(ctx, want)
			if errors.Is(err, jetstream.ErrBucketExists) || errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				continue
			}
			return kv, err
		}
		if err != nil {
			return nil, err
		}
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
	}
	return nil, fmt.Errorf("bucket %s kept appearing and disappearing", want.Bucket)
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
