package ecsapi

import (
	"context"
	"fmt"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/poller"
)

// The calls below start tasks; the demo and the compose producer use them. The worker needs
// DescribeTask, and CancelTask when it cancels tasks at their deadline.

// ExportImage starts exporting imageID to OSS and returns the task id.
func (c *Client) ExportImage(ctx context.Context, region, imageID, bucket, prefix, format string) (string, error) {
	cl, err := c.client(region)
	if err != nil {
		return "", err
	}
	defer c.release(region, cl)
	req := &ecs.ExportImageRequest{
		RegionId: tea.String(region), ImageId: tea.String(imageID),
		OSSBucket: tea.String(bucket), OSSPrefix: tea.String(prefix), ImageFormat: tea.String(format),
	}
	resp, err := cl.ExportImageWithContext(ctx, req, c.runtime())
	if err != nil {
		return "", convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return "", noBody("ExportImage")
	}
	return taskID(resp.Body.TaskId)
}

// ImportDisk is one disk image to import; the first is the system disk.
type ImportDisk struct {
	OSSBucket, OSSObject, Format string
	SizeGiB                      int32
}

// ImportImage starts importing disks as a new image and returns the image and task ids.
func (c *Client) ImportImage(ctx context.Context, region, name string, disks []ImportDisk) (imageID, task string, err error) {
	cl, err := c.client(region)
	if err != nil {
		return "", "", err
	}
	defer c.release(region, cl)
	req := &ecs.ImportImageRequest{RegionId: tea.String(region), ImageName: tea.String(name)}
	for _, d := range disks {
		m := &ecs.ImportImageRequestDiskDeviceMapping{
			OSSBucket: tea.String(d.OSSBucket), OSSObject: tea.String(d.OSSObject), Format: tea.String(d.Format),
		}
		if d.SizeGiB > 0 {
			m.DiskImageSize = tea.Int32(d.SizeGiB)
		}
		req.DiskDeviceMapping = append(req.DiskDeviceMapping, m)
	}
	resp, err := cl.ImportImageWithContext(ctx, req, c.runtime())
	if err != nil {
		return "", "", convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return "", "", noBody("ImportImage")
	}
	task, err = taskID(resp.Body.TaskId)
	return tea.StringValue(resp.Body.ImageId), task, err
}

// ModifyDiskSpec starts changing a disk's category and returns the task id.
func (c *Client) ModifyDiskSpec(ctx context.Context, region, diskID, category string) (string, error) {
	cl, err := c.client(region)
	if err != nil {
		return "", err
	}
	defer c.release(region, cl)
	req := &ecs.ModifyDiskSpecRequest{DiskId: tea.String(diskID), DiskCategory: tea.String(category)}
	resp, err := cl.ModifyDiskSpecWithContext(ctx, req, c.runtime())
	if err != nil {
		return "", convertError(err)
	}
	if resp == nil || resp.Body == nil {
		return "", noBody("ModifyDiskSpec")
	}
	return taskID(resp.Body.TaskId)
}

var _ poller.TaskCanceler = (*Client)(nil)

// CancelTask cancels an ImportImage or ExportImage task (the RAM identity needs
// ecs:CancelTask). ECS refuses other actions with poller.CodeTaskActionNotSupport and tasks
// that are not running with poller.CodeIncorrectTaskStatus, both as a *poller.APIError (403).
// It implements poller.TaskCanceler.
func (c *Client) CancelTask(ctx context.Context, region, task string) error {
	cl, err := c.client(region)
	if err != nil {
		return err
	}
	defer c.release(region, cl)
	_, err = cl.CancelTaskWithContext(ctx, &ecs.CancelTaskRequest{RegionId: tea.String(region), TaskId: tea.String(task)}, c.runtime())
	if err != nil {
		return convertError(err)
	}
	return nil
}

func taskID(id *string) (string, error) {
	if tea.StringValue(id) == "" {
		return "", fmt.Errorf("ecs answered without a TaskId")
	}
	return *id, nil
}
