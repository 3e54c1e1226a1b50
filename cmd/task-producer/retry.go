package main

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
	"go.uber.org/zap"
)

// maxRetryTime bounds the retries of one call; past it the producer gives up.
const maxRetryTime = 2 * time.Minute

// retry calls op until it succeeds, fails with an error retryable does not accept, ctx is done
// or maxRetryTime has passed. ECS calls use poller.Retryable: throttling, 5xx answers and
// transport errors are retried; other error answers (a task that cannot be canceled any more,
// bad parameters, credentials) are final.
func retry(ctx context.Context, log *zap.Logger, what string, retryable func(error) bool, op func(context.Context) error) error {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 200 * time.Millisecond
	b.MaxInterval = 5 * time.Second
	b.MaxElapsedTime = maxRetryTime
	attempt := func() error {
		actx, cancel := context.WithTimeout(ctx, 15*time.Second)
		defer cancel()
		err := op(actx)
		if err != nil && (ctx.Err() != nil || !retryable(err)) {
			return backoff.Permanent(err)
		}
		return err
	}
	notify := func(err error, wait time.Duration) {
		log.Info("retrying", zap.String("call", what), zap.Duration("in", wait), zap.Error(err))
	}
	return backoff.RetryNotify(attempt, backoff.WithContext(b, ctx), notify)
}

// retryableAlways accepts every error: publishing waits out NATS outages and elections.
func retryableAlways(error) bool { return true }
