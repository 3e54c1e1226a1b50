package poller

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// endpointer is what a TaskAPI may offer for logs: the host its calls to a region go to
// (ecsapi.Client does).
type endpointer interface {
	Endpoint(region string) string
}

// reachAPI passes every DescribeTaskAttribute and DescribeTasks call to api and tells reach how
// it went, whoever makes it (polls, the batch checker, probes). CancelTask, made only at a
// deadline, goes to the worker's TaskCanceler unwrapped and is not counted.
type reachAPI struct {
	api   TaskAPI
	reach *reach
}

// reachBatchAPI is a reachAPI over a TaskAPI that can batch: it is a BatchTaskAPI too.
type reachBatchAPI struct {
	reachAPI
	batch BatchTaskAPI
}

// watchReach returns api with every call reported to r; it is a BatchTaskAPI if api is.
func watchReach(api TaskAPI, r *reach) TaskAPI {
	w := reachAPI{api: api, reach: r}
	if b, ok := api.(BatchTaskAPI); ok {
		return reachBatchAPI{reachAPI: w, batch: b}
	}
	return w
}

func (a reachAPI) DescribeTask(ctx context.Context, region, taskID string) (Task, error) {
	sent := time.Now()
	t, err := a.api.DescribeTask(ctx, region, taskID)
	a.report(ctx, region, err, sent)
	return t, err
}

func (a reachBatchAPI) DescribeTasks(ctx context.Context, region string, taskIDs []string) ([]TaskStatus, error) {
	sent := time.Now()
	got, err := a.batch.DescribeTasks(ctx, region, taskIDs)
	a.report(ctx, region, err, sent)
	return got, err
}

// report tells reach what a call sent at sent got. A call abandoned because ctx was canceled
// (shutdown) says nothing of the endpoint; one that ran out of ctx's time is a timeout.
func (a reachAPI) report(ctx context.Context, region string, err error, sent time.Time) {
	if err != nil && errors.Is(ctx.Err(), context.Canceled) {
		return
	}
	now := time.Now()
	answered, failure := reachOf(err)
	switch {
	case answered:
		a.reach.answered(region, now)
	case failure != "":
		host, sample := describeFailure(err)
		a.reach.failed(region, failure, host, sample, sent, now)
	}
}

// maxSampleBytes bounds the error text an outage is logged with.
const maxSampleBytes = 300

// describeFailure returns the host a failed call went to, if the error names it, and the
// error's text for the log without the request's URL: a URL's query can be long (100 task ids)
// and is no help in telling why the endpoint does not answer.
func describeFailure(err error) (host, sample string) {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
		sample = fmt.Sprintf("%s %s: %v", ue.Op, host, ue.Err)
	} else {
		sample = err.Error()
	}
	if len(sample) > maxSampleBytes {
		sample = strings.ToValidUTF8(sample[:maxSampleBytes], "") + "..."
	}
	return host, sample
}
