package ecsemu_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

func TestMain(m *testing.M) {
	// credentials-go calls STS over HTTPS with the system roots: this process trusts the
	// emulator's test certificate, and no other, before any test verifies a certificate.
	dir, err := os.MkdirTemp("", "ecsemu-test")
	if err == nil {
		var path string
		if path, err = ecsemu.WriteTestCertificate(dir); err == nil {
			err = os.Setenv("SSL_CERT_FILE", path)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goleak.VerifyTestMain(m,
		// Idle keep-alive connections of the SDK's shared HTTP transport
		// are the client's, not the emulator's.
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreTopFunction("internal/poll.runtime_pollWait"),
		goleak.Cleanup(func(code int) { _ = os.RemoveAll(dir); os.Exit(code) }),
	)
}
