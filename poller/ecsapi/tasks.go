package ecsapi

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strings"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/poller"
)

var _ poller.BatchTaskAPI = (*Client)(nil)

// DescribeTasks calls DescribeTasks for up to poller.MaxBatch task ids of one region (one
// page of up to 100) and returns the status of those ECS knows; unknown ids are left out.
func (c *Client) DescribeTasks(ctx context.Context, region string, taskIDs []string) ([]poller.TaskStatus, error) {
	if len(taskIDs) == 0 {
		return nil, nil
	}
	if len(taskIDs) > poller.MaxBatch {
		return nil, fmt.Errorf("DescribeTasks takes at most %d task ids, got %d", poller.MaxBatch, len(taskIDs))
	}
	cl, err := c.client(region)
	if err != nil {
		return nil, err
	}
	defer c.release(region, cl)
	req := &ecs.DescribeTasksRequest{
		RegionId: tea.String(region), TaskIds: tea.String(strings.Join(taskIDs, ",")),
		PageNumber: tea.Int32(1), PageSize: tea.Int32(poller.MaxBatch),
	}
	resp, err := cl.DescribeTasksWithContext(ctx, req, c.runtime())
	if err != nil {
		return nil, convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return nil, noBody("DescribeTasks")
	}
	var out []poller.TaskStatus
	for _, t := range taskSet(resp.Body) {
		out = append(out, toTaskStatus(t))
	}
	return out, nil
}

var _ poller.TaskLister = (*Client)(nil)

// ListTasks calls DescribeTasks without task ids for one page of the tasks of q.RegionID
// created from q.Start to q.End, of action q.Action when it is not empty. The bounds are sent
// in UTC to the second, Start rounded down and End up, so the window sent covers the one
// asked; a zero bound is not sent (open). A page number below 1 or a page size outside 1 to
// poller.MaxBatch is an error without a call. Each task's CreationTime is parsed to the
// minute or the second, whichever ECS gives (zero if it gives none that parses). Each call is
// a DescribeTasks call, of that API's quota: a caller that paces ECS calls by API counts it
// under poller.APIDescribeTasks.
func (c *Client) ListTasks(ctx context.Context, q poller.ListQuery) (poller.TaskPage, error) {
	if q.PageNumber < 1 || q.PageNumber > math.MaxInt32 || q.PageSize < 1 || q.PageSize > poller.MaxBatch {
		return poller.TaskPage{}, fmt.Errorf("ListTasks: page %d of %d tasks: want a page from 1 and 1 to %d tasks",
			q.PageNumber, q.PageSize, poller.MaxBatch)
	}
	cl, err := c.client(q.RegionID)
	if err != nil {
		return poller.TaskPage{}, err
	}
	defer c.release(q.RegionID, cl)
	req := &ecs.DescribeTasksRequest{
		RegionId: tea.String(q.RegionID), PageNumber: tea.Int32(int32(q.PageNumber)), PageSize: tea.Int32(int32(q.PageSize)),
	}
	if !q.Start.IsZero() {
		req.StartTime = tea.String(q.Start.UTC().Truncate(time.Second).Format(timeLayout))
	}
	if !q.End.IsZero() {
		end := q.End.UTC()
		if t := end.Truncate(time.Second); t.Before(end) {
			end = t.Add(time.Second)
		}
		req.EndTime = tea.String(end.Format(timeLayout))
	}
	if q.Action != "" {
		req.TaskAction = tea.String(q.Action)
	}
	resp, err := cl.DescribeTasksWithContext(ctx, req, c.runtime())
	if err != nil {
		return poller.TaskPage{}, convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return poller.TaskPage{}, noBody("DescribeTasks")
	}
	page := poller.TaskPage{TotalCount: int(tea.Int32Value(resp.Body.TotalCount)), ServerTime: dateHeader(resp.Headers)}
	for _, t := range taskSet(resp.Body) {
		page.Tasks = append(page.Tasks, poller.ListedTask{
			TaskStatus: toTaskStatus(t), CreationTime: parseTime(tea.StringValue(t.CreationTime)),
		})
	}
	return page, nil
}

// dateHeader is the HTTP Date of an answer (the SDK keeps the headers by their lower-case
// names), zero if there is none or it does not parse.
func dateHeader(h map[string]*string) time.Time {
	for _, k := range []string{"date", "Date"} {
		if v := tea.StringValue(h[k]); v != "" {
			if t, err := http.ParseTime(v); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}

// timeLayout is the format of StartTime and EndTime (UTC).
const timeLayout = "2006-01-02T15:04:05Z"

// taskSet returns the tasks of a DescribeTasks answer, nil entries left out.
func taskSet(b *ecs.DescribeTasksResponseBody) []*ecs.DescribeTasksResponseBodyTaskSetTask {
	if b.TaskSet == nil {
		return nil
	}
	var out []*ecs.DescribeTasksResponseBodyTaskSetTask
	for _, t := range b.TaskSet.Task {
		if t != nil {
			out = append(out, t)
		}
	}
	return out
}

func toTaskStatus(t *ecs.DescribeTasksResponseBodyTaskSetTask) poller.TaskStatus {
	return poller.TaskStatus{
		TaskID:     tea.StringValue(t.TaskId),
		Action:     poller.ParseAction(tea.StringValue(t.TaskAction)),
		Status:     poller.ParseStatus(tea.StringValue(t.TaskStatus)),
		ResourceID: tea.StringValue(t.ResourceId),
	}
}

// parseTime parses a time of an ECS answer in UTC: to the minute (2026-11-27T07:50Z, what
// ECS gives) or to the second (2026-11-27T07:50:12Z), with Z or an offset; zero when it is
// neither.
func parseTime(v string) time.Time {
	v = strings.TrimSpace(v)
	for _, layout := range []string{"2006-01-02T15:04Z07:00", time.RFC3339} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}
