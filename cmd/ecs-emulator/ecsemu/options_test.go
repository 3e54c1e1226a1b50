package ecsemu_test

import (
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// CheckOptions refuses what New refuses, without listening.
func TestCheckOptions(t *testing.T) {
	for name, tc := range map[string]struct {
		opts []ecsemu.Option
		ok   bool
	}{
		"defaults":         {nil, true},
		"valid":            {[]ecsemu.Option{ecsemu.WithTimeScale(60), ecsemu.WithQuota("DescribeTasks", 5), ecsemu.WithFailureRate("ExportImage", 1)}, true},
		"zero time scale":  {[]ecsemu.Option{ecsemu.WithTimeScale(0)}, false},
		"zero quota":       {[]ecsemu.Option{ecsemu.WithQuota("DescribeTasks", 0)}, false},
		"failure rate 2":   {[]ecsemu.Option{ecsemu.WithFailureRate("ExportImage", 2)}, false},
		"fault rates > 1":  {[]ecsemu.Option{ecsemu.WithFaults(ecsemu.Faults{Throttle: 0.6, Drop: 0.6})}, false},
		"negative waiting": {[]ecsemu.Option{ecsemu.WithDurations("ExportImage", -1, 0)}, false},
		"no nonce room":    {[]ecsemu.Option{ecsemu.WithNonceCapacity(0)}, false},
	} {
		err := ecsemu.CheckOptions(tc.opts...)
		if (err == nil) != tc.ok {
			t.Errorf("%s: CheckOptions = %v, want ok %v", name, err, tc.ok)
		}
		if srv, nerr := ecsemu.New(tc.opts...); (nerr == nil) != tc.ok {
			t.Errorf("%s: New = %v, CheckOptions disagrees", name, nerr)
		} else if srv != nil {
			srv.Close()
		}
	}
}
