package main

import (
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

func TestAlertLine(t *testing.T) {
	tests := []struct {
		name string
		data events.Data
		want string
	}{
		{
			name: "task failed",
			data: events.Data{TaskID: "t-1", RegionID: "cn-hangzhou", TaskAction: "ExportImage", Reason: "task_failed",
				ErrorCode: "InvalidOSSBucket.NotFound", ErrorMessage: `The specified OSS bucket "fail-x" does not exist.`},
			want: `ALERT task=t-1 region=cn-hangzhou action=ExportImage reason=task_failed code=InvalidOSSBucket.NotFound msg=The specified OSS bucket "fail-x" does not exist.`,
		},
		{
			name: "canceled, no code",
			data: events.Data{TaskID: "t-2", RegionID: "cn-beijing", TaskAction: "ImportImage", Reason: "task_canceled"},
			want: "ALERT task=t-2 region=cn-beijing action=ImportImage reason=task_canceled code=- msg=-",
		},
		{
			name: "multi-line message",
			data: events.Data{TaskID: "t-3", RegionID: "cn-beijing", TaskAction: "unknown", Reason: "timeout",
				ErrorMessage: "line one\n  line two\t"},
			want: "ALERT task=t-3 region=cn-beijing action=unknown reason=timeout code=- msg=line one line two",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := alertLine(events.Event{Data: tt.data}); got != tt.want {
				t.Errorf("alertLine() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
