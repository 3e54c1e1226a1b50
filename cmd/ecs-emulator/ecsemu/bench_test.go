package ecsemu_test

import (
	"io"
	"net/http"
	"net/url"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// BenchmarkDescribeTaskAttributeSDK measures signed DescribeTaskAttribute
// calls over HTTP through the real SDK (client and server in one process).
// Run with -cpu 2 for the 2-core figure.
func BenchmarkDescribeTaskAttributeSDK(b *testing.B) {
	srv := newEmulator(b, ecsemu.WithCallHistory(16))
	c := newClient(b, srv, clientOpts{ownHTTP: true})
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing", Process: "42%"}}})
	if err != nil {
		b.Fatal(err)
	}
	b.SetParallelism(4) // 4 clients per CPU keep requests in flight while others wait on the network
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := describe(c, "cn-hangzhou", id); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkDescribeTaskAttributeHTTP measures the emulator alone: signed
// DescribeTaskAttribute calls over HTTP from a lean client (signedRequest),
// so the SDK's own cost does not dominate.
func BenchmarkDescribeTaskAttributeHTTP(b *testing.B) {
	srv := newEmulator(b, ecsemu.WithCallHistory(16))
	id, err := srv.AddTask(ecsemu.Script{RegionID: "cn-hangzhou", Steps: []ecsemu.Step{{Status: "Processing", Process: "42%"}}})
	if err != nil {
		b.Fatal(err)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	params := url.Values{"RegionId": {"cn-hangzhou"}, "TaskId": {id}}
	b.SetParallelism(4) // 4 clients per CPU keep requests in flight while others wait on the network
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Do(signedRequest(srv.Endpoint(), "DescribeTaskAttribute", params, ecsemu.DefaultAccessKeyID, ecsemu.DefaultAccessKeySecret))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}
