package monitoring

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
)

// family is a metric family the rules and the dashboard may read, with the label names its
// series have.
type family struct {
	labels []string
	source string // "worker", "exporter", "prometheus" or "recorded"
}

// workerFamilies returns every metric family a worker's /metrics shows: what poller.NewMetrics
// registers and what cmd/taskpoller registers beside it (http.go: taskpoller_ready). Names come
// from Describe, which knows vectors that have no series yet (Gather would not show them).
func workerFamilies(t *testing.T) map[string]family {
	t.Helper()
	reg := prometheus.NewRegistry()
	poller.NewMetrics(reg)
	reg.MustRegister(poller.NewReadyGauge(func() error { return nil }))
	descs := make(chan *prometheus.Desc, 1024) // far more than the worker has: Describe never blocks
	reg.Describe(descs)
	close(descs)
	desc := regexp.MustCompile(`^Desc\{fqName: "([^"]+)".*variableLabels: \{([^}]*)\}\}$`)
	out := map[string]family{}
	for d := range descs {
		m := desc.FindStringSubmatch(d.String())
		if m == nil {
			t.Fatalf("cannot read the name of %s", d)
		}
		var names []string
		for l := range strings.SplitSeq(m[2], ",") {
			if l != "" {
				names = append(names, strings.TrimSuffix(strings.TrimPrefix(l, "c("), ")")) // c(name): constrained
			}
		}
		out[m[1]] = family{labels: names, source: "worker"}
	}
	// A check that reading Desc.String still works, should its format change.
	if f, ok := out["taskpoller_polls_total"]; !ok || !slices.Equal(f.labels, []string{"result", "code"}) {
		t.Fatalf("taskpoller_polls_total read from the registry as %+v (found: %v); want labels result, code", f, ok)
	}
	return out
}

// knownFamilies are the worker's families and the few that come from elsewhere.
func knownFamilies(t *testing.T) map[string]family {
	fams := workerFamilies(t)
	fams["up"] = family{source: "prometheus"}
	// Registrations waiting and held come from the NATS servers, not the workers: from
	// prometheus-nats-exporter run with -jsz=all (consumer metrics, namespace "jetstream").
	// The worker exports no pending count of the registrations consumer.
	consumerLabels := []string{"server_id", "server_name", "cluster", "domain", "meta_leader", "is_meta_leader",
		"account", "account_id", "stream_name", "stream_leader", "is_stream_leader",
		"consumer_name", "consumer_leader", "is_consumer_leader", "consumer_desc", "consumer_created"}
	for _, name := range []string{"jetstream_consumer_num_pending", "jetstream_consumer_num_ack_pending"} {
		fams[name] = family{labels: consumerLabels, source: "exporter"}
	}
	return fams
}

// labelValues are the values the worker's code gives the labels that alerts match on; a
// matcher with another value would never match.
func labelValues() map[string][]string {
	results := []string{"ok"}
	for _, c := range []poller.Class{poller.ClassTransient, poller.ClassThrottled, poller.ClassNotFound, poller.ClassInvalidRegion, poller.ClassWorker} {
		results = append(results, c.String())
	}
	var kinds, reasons []string
	for _, k := range events.Kinds {
		kinds = append(kinds, string(k))
	}
	for _, r := range events.Reasons {
		reasons = append(reasons, string(r))
	}
	return map[string][]string{"result": results, "kind": kinds, "reason": reasons}
}

// checkExpr parses expr and reports, as errors of t prefixed by where, every selector that
// reads an unknown metric, a label its metric lacks, or a label value the code never uses.
// It returns the families read.
func checkExpr(t *testing.T, where, expr string, fams map[string]family) []string {
	t.Helper()
	e, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
	if err != nil {
		t.Errorf("%s: %v\n%s", where, err, expr)
		return nil
	}
	var read []string
	values := labelValues()
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if vs.Name == "" {
			t.Errorf("%s: selector %s names no metric", where, vs)
			return nil
		}
		name, f, ok := lookup(vs.Name, fams)
		if !ok {
			t.Errorf("%s: %s is not a metric the worker registers (nor up, a recorded series, or an allowed exporter metric)", where, vs.Name)
			return nil
		}
		read = append(read, name)
		for _, m := range vs.LabelMatchers {
			switch {
			case m.Name == "__name__", m.Name == "job", m.Name == "instance": // job and instance: target labels
				continue
			case m.Name == "le" && strings.HasSuffix(vs.Name, "_bucket"):
				continue
			case f.source != "recorded" && !slices.Contains(f.labels, m.Name):
				t.Errorf("%s: %s has no label %s (it has %v)", where, name, m.Name, f.labels)
			}
			if want, ok := values[m.Name]; ok && (m.Type == labels.MatchEqual || m.Type == labels.MatchNotEqual) && !slices.Contains(want, m.Value) {
				t.Errorf("%s: %s{%s} can never match: the worker's values are %v", where, vs.Name, m, want)
			}
		}
		return nil
	})
	return read
}

// lookup finds the family of a series name: itself, or a histogram's _bucket, _sum, _count.
func lookup(name string, fams map[string]family) (string, family, bool) {
	if f, ok := fams[name]; ok {
		return name, f, true
	}
	for _, suffix := range []string{"_bucket", "_sum", "_count"} {
		if base, ok := strings.CutSuffix(name, suffix); ok {
			if f, ok := fams[base]; ok {
				return base, f, true
			}
		}
	}
	return "", family{}, false
}
