package monitoring

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
	"sigs.k8s.io/yaml"
)

// ruleTestsGlob names the promtool unit tests of the rule file (`promtool test rules
// tests/*_test.yaml`, run by make rules and CI; docs/monitoring.md says how to add one).
const ruleTestsGlob = "tests/*_test.yaml"

// ruleTestFile is what this test reads of a promtool unit test file.
type ruleTestFile struct {
	RuleFiles      []string `json:"rule_files"`
	GroupEvalOrder []string `json:"group_eval_order"`
	Tests          []struct {
		Name       string `json:"name"`
		AlertTests []struct {
			Alertname string `json:"alertname"`
			ExpAlerts []any  `json:"exp_alerts"`
		} `json:"alert_rule_test"`
		ExprTests []struct {
			Expr       string `json:"expr"`
			ExpSamples []struct {
				Labels string `json:"labels"`
			} `json:"exp_samples"`
		} `json:"promql_expr_test"`
	} `json:"tests"`
}

func loadRuleTests(t *testing.T) map[string]ruleTestFile {
	t.Helper()
	paths, err := filepath.Glob(ruleTestsGlob)
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no promtool tests match %s", ruleTestsGlob)
	}
	out := map[string]ruleTestFile{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var f ruleTestFile
		if err := yaml.Unmarshal(b, &f); err != nil { // only the fields above; promtool checks the rest
			t.Fatalf("%s: %v", p, err)
		}
		out[p] = f
	}
	return out
}

// promtool passes a test file that forgets an alert, and one that expects no alert of a name
// the rules do not define (it gets none). So: every alert of the rule file has a test where it
// fires and one where it does not, every recording rule a test of its value, every test file
// tests the rule file shipped, and every alert a test names exists. promtool evaluates the
// groups in random order unless group_eval_order lists them: each file lists every group, in
// the rule file's order (recorded series before the alerts that read them).
func TestRuleTestsCoverEveryRule(t *testing.T) {
	groups := loadRules(t)
	files := loadRuleTests(t)
	var order []string
	for _, g := range groups.Groups {
		order = append(order, g.Name)
	}

	fires, quiet := map[string]bool{}, map[string]bool{}
	type recorded struct {
		name   string
		labels map[string]string
	}
	var checked []recorded // every sample a promql_expr_test expects of a recorded series
	p := parser.NewParser(parser.Options{})
	for path, f := range files {
		if !slices.Equal(f.RuleFiles, []string{"../" + rulesFile}) {
			t.Errorf("%s: rule_files %v, want [../%s]", path, f.RuleFiles, rulesFile)
		}
		if !slices.Equal(f.GroupEvalOrder, order) {
			t.Errorf("%s: group_eval_order %v, want every group of the rule file in its order: %v", path, f.GroupEvalOrder, order)
		}
		for _, tg := range f.Tests {
			if tg.Name == "" {
				t.Errorf("%s: a test has no name", path)
			}
			for _, at := range tg.AlertTests {
				if len(at.ExpAlerts) > 0 {
					fires[at.Alertname] = true
				} else {
					quiet[at.Alertname] = true
				}
			}
			for _, et := range tg.ExprTests {
				for _, s := range et.ExpSamples {
					ls, err := p.ParseMetric(s.Labels)
					if err != nil {
						t.Errorf("%s, %q: sample %q: %v", path, tg.Name, s.Labels, err)
						continue
					}
					checked = append(checked, recorded{name: ls.Get("__name__"), labels: ls.Map()})
				}
			}
		}
	}

	alerts := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				alerts[r.Alert] = true
				if !fires[r.Alert] {
					t.Errorf("alert %s: no test in %s where it fires", r.Alert, ruleTestsGlob)
				}
				if !quiet[r.Alert] {
					t.Errorf("alert %s: no test in %s where it stays quiet", r.Alert, ruleTestsGlob)
				}
				continue
			}
			// A recording rule: some expected sample has its name and its labels (two rules
			// may record one name with different labels).
			if !slices.ContainsFunc(checked, func(c recorded) bool {
				if c.name != r.Record {
					return false
				}
				for k, v := range r.Labels {
					if c.labels[k] != v {
						return false
					}
				}
				return true
			}) {
				t.Errorf("recording rule %s: no test in %s expects a sample of it", describeRecord(r.Record, r.Labels), ruleTestsGlob)
			}
		}
	}
	tested := maps.Clone(fires)
	maps.Copy(tested, quiet)
	for _, name := range slices.Sorted(maps.Keys(tested)) {
		if !alerts[name] {
			t.Errorf("%s tests alert %s, which the rules do not define", ruleTestsGlob, name)
		}
	}
}

func describeRecord(name string, labels map[string]string) string {
	if len(labels) == 0 {
		return name
	}
	return fmt.Sprintf("%s%v", name, labels)
}
