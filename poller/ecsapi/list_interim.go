package ecsapi

import (
	"context"
	"strings"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/poller"
)

// INTERIM: the ecsapi/emulator work implements Client.ListTasks (poller.TaskLister) for good;
// this file only lets discovery run end to end until that lands. Drop it at the merge (the
// two would define the method twice).

var _ poller.TaskLister = (*Client)(nil)

// ListTasks calls DescribeTasks for one page of the tasks of q.RegionID created from q.Start
// to q.End (sent as UTC, yyyy-MM-ddTHH:mm:ssZ), of q.Action if set.
func (c *Client) ListTasks(ctx context.Context, q poller.ListQuery) (poller.TaskPage, error) {
	cl, err := c.client(q.RegionID)
	if err != nil {
		return poller.TaskPage{}, err
	}
	defer c.release(q.RegionID, cl)
	const layout = "2006-01-02T15:04:05Z"
	req := &ecs.DescribeTasksRequest{
		RegionId: tea.String(q.RegionID), PageNumber: tea.Int32(int32(q.PageNumber)), PageSize: tea.Int32(int32(q.PageSize)),
		StartTime: tea.String(q.Start.UTC().Format(layout)), EndTime: tea.String(q.End.UTC().Format(layout)),
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
	page := poller.TaskPage{TotalCount: int(tea.Int32Value(resp.Body.TotalCount))}
	if resp.Body.TaskSet == nil {
		return page, nil
	}
	for _, t := range resp.Body.TaskSet.Task {
		if t == nil {
			continue
		}
		created, _ := parseECSTime(tea.StringValue(t.CreationTime))
		page.Tasks = append(page.Tasks, poller.ListedTask{
			TaskStatus: poller.TaskStatus{
				TaskID: tea.StringValue(t.TaskId), Action: poller.ParseAction(tea.StringValue(t.TaskAction)),
				Status: poller.ParseStatus(tea.StringValue(t.TaskStatus)), ResourceID: tea.StringValue(t.ResourceId),
			},
			CreationTime: created,
		})
	}
	return page, nil
}

// parseECSTime reads a time as ECS writes it, to the minute or the second.
func parseECSTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04Z", "2006-01-02T15:04:05Z", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
