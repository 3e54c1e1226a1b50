package ecsapi

import (
	"context"
	"fmt"
	"strings"

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
	if resp.Body.TaskSet != nil {
		for _, t := range resp.Body.TaskSet.Task {
			if t == nil {
				continue
			}
			out = append(out, poller.TaskStatus{
				TaskID:     tea.StringValue(t.TaskId),
				Action:     poller.ParseAction(tea.StringValue(t.TaskAction)),
				Status:     poller.ParseStatus(tea.StringValue(t.TaskStatus)),
				ResourceID: tea.StringValue(t.ResourceId),
			})
		}
	}
	return out, nil
}
