package ecsemu_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// Step.For and Faults.Latency are duration strings in JSON; every other field is as
// encoding/json writes it, and a round trip gives the value back.
func TestDurationsInJSON(t *testing.T) {
	st := ecsemu.Step{Status: "Processing", Process: "5%", Times: 2, For: 1500 * time.Millisecond,
		Operations: []ecsemu.Operation{{Status: "Success", Items: []ecsemu.Item{{Name: "OSSObject", Value: "o"}}}}}
	f := ecsemu.Faults{Throttle: 0.5, Latency: 100 * time.Millisecond, Actions: []string{"DescribeTasks"}}
	for _, tt := range []struct {
		v, back any
		want    string
	}{
		{st, &ecsemu.Step{}, `{"status":"Processing","process":"5%","times":2,"for":"1.5s","operations":[{"status":"Success","items":[{"name":"OSSObject","value":"o"}]}]}`},
		{ecsemu.Step{Status: "Finished"}, &ecsemu.Step{}, `{"status":"Finished"}`},
		{f, &ecsemu.Faults{}, `{"throttle":0.5,"unavailable":0,"internal":0,"bad_gateway":0,"drop":0,"latency":"100ms","actions":["DescribeTasks"]}`},
	} {
		b, err := json.Marshal(tt.v)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%+v) = %s, %v; want %s", tt.v, b, err, tt.want)
		}
		if err := json.Unmarshal(b, tt.back); err != nil || !reflect.DeepEqual(reflect.ValueOf(tt.back).Elem().Interface(), tt.v) {
			t.Errorf("round trip of %+v gave %+v, %v", tt.v, tt.back, err)
		}
	}
	for in, want := range map[string]time.Duration{`{"for":"2m"}`: 2 * time.Minute, `{"for":1000}`: time.Microsecond, `{"for":null}`: 0, `{}`: 0} {
		got := ecsemu.Step{For: time.Hour, Status: "Waiting"}
		if err := json.Unmarshal([]byte(in), &got); err != nil || got.For != want || got.Status != "Waiting" {
			t.Errorf("Unmarshal(%s) = %+v, %v; want For %v and the status kept", in, got, err, want)
		}
	}
	for _, in := range []string{`{"for":"soon"}`, `{"for":true}`, `{"latency":"-"}`} {
		var st ecsemu.Step
		var f ecsemu.Faults
		target := any(&st)
		if strings.Contains(in, "latency") {
			target = &f
		}
		if err := json.Unmarshal([]byte(in), target); err == nil {
			t.Errorf("Unmarshal(%s): no error", in)
		}
	}
}
