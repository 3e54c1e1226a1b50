package natsclient_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Consumers and producers built on this package compile neither the NATS server nor
// Prometheus: they need the contract and a client, not the workers' side.
func TestClientsCompileNoServer(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	pkgs := []string{".", "../../cmd/export-consumer", "../../cmd/ops-alerts"}
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/nats-io/nats-server/") || strings.HasPrefix(dep, "github.com/prometheus/") {
			t.Errorf("%v depend on %s", pkgs, dep)
		}
	}
}
