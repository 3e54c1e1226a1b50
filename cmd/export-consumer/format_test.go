package main

import (
	"slices"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

func TestExportedLines(t *testing.T) {
	tests := []struct {
		name string
		data events.Data
		want []string
	}{
		{
			name: "two disks",
			data: events.Data{TaskID: "t-1", RegionID: "cn-hangzhou", OSSBucket: "exports",
				OSSObjects: []string{"demo_m-1_t-1.qcow2", "demo_m-1_t-1_data1.qcow2"}},
			want: []string{
				"EXPORTED oss://exports/demo_m-1_t-1.qcow2 task=t-1 region=cn-hangzhou",
				"EXPORTED oss://exports/demo_m-1_t-1_data1.qcow2 task=t-1 region=cn-hangzhou",
			},
		},
		{
			name: "no bucket reported",
			data: events.Data{TaskID: "t-2", RegionID: "cn-beijing", OSSObjects: []string{"a.raw"}},
			want: []string{"EXPORTED oss://-/a.raw task=t-2 region=cn-beijing"},
		},
		{
			name: "no objects",
			data: events.Data{TaskID: "t-3", RegionID: "cn-beijing", OSSBucket: "b"},
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := exportedLines(events.Event{Data: tt.data})
			if !slices.Equal(got, tt.want) {
				t.Errorf("exportedLines() = %q, want %q", got, tt.want)
			}
		})
	}
}
