package ecsemu_test

import (
	"testing"
	"time"

	ecs "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Listings counts the DescribeTasks calls that list a region (no TaskIds), per region, any
// answer: batch checks (TaskIds) and other actions are not listings.
func TestListingsPerRegion(t *testing.T) {
	srv := newEmulator(t, ecsemu.WithQuota(ecsemu.ActionDescribeTasks, 1000))
	c := newClient(t, srv, clientOpts{})
	id, err := srv.AddTimedTask(ecsemu.TimedTask{RegionID: "cn-hangzhou", Processing: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	page := func(region string) *ecs.DescribeTasksRequest {
		return &ecs.DescribeTasksRequest{RegionId: tea.String(region), PageSize: tea.Int32(100), PageNumber: tea.Int32(1),
			StartTime: tea.String(now.Add(-time.Hour).Format(secondLayout)), EndTime: tea.String(now.Add(time.Hour).Format(secondLayout))}
	}
	calls := []*ecs.DescribeTasksRequest{
		page("cn-hangzhou"), page("cn-hangzhou"), page("cn-shanghai"),
		{RegionId: tea.String("cn-hangzhou"), TaskIds: tea.String(id)}, // a batch check
		{RegionId: tea.String("cn-beijing")},                           // a listing without bounds
	}
	for _, req := range calls {
		if _, err := c.DescribeTasks(req); err != nil {
			t.Fatalf("DescribeTasks(%v): %v", req, err)
		}
	}
	if _, err := c.DescribeTaskAttribute(&ecs.DescribeTaskAttributeRequest{RegionId: tea.String("cn-hangzhou"), TaskId: tea.String(id)}); err != nil {
		t.Fatal(err)
	}
	for region, want := range map[string]int{"cn-hangzhou": 2, "cn-shanghai": 1, "cn-beijing": 1, "cn-qingdao": 0} {
		if got := srv.Listings(region); got != want {
			t.Errorf("Listings(%s) = %d, want %d", region, got, want)
		}
	}
	if got, want := srv.Stats().Listings["cn-hangzhou"], 2; got != want {
		t.Errorf("Stats().Listings[cn-hangzhou] = %d, want %d", got, want)
	}
	if got, want := srv.CallCount(ecsemu.ActionDescribeTasks), 5; got != want {
		t.Errorf("CallCount(DescribeTasks) = %d, want %d (listings and batch checks)", got, want)
	}
	srv.ResetStats()
	if got := srv.Listings("cn-hangzhou"); got != 0 {
		t.Errorf("Listings after ResetStats = %d, want 0", got)
	}
}

// A throttled listing is still a listing call.
func TestListingsCountThrottled(t *testing.T) {
	frozen := time.Now()
	srv := newEmulator(t, ecsemu.WithQuota(ecsemu.ActionDescribeTasks, 1), ecsemu.WithClock(func() time.Time { return frozen }))
	c := newClient(t, srv, clientOpts{})
	for range 3 {
		_, _ = c.DescribeTasks(&ecs.DescribeTasksRequest{RegionId: tea.String("cn-shanghai")})
	}
	if got, want := srv.Listings("cn-shanghai"), 3; got != want {
		t.Errorf("Listings = %d, want %d", got, want)
	}
	if srv.CodeCount(ecsemu.CodeThrottlingUser) == 0 {
		t.Errorf("no call throttled at 1 call/s; the test does not show what it means to")
	}
}
