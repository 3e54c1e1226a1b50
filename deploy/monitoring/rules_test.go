package monitoring

import (
	"bufio"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
)

const (
	rulesFile = "prometheus-rules.yaml"
	runbook   = "../../docs/monitoring.md"
)

// loadRules parses the rule file as Prometheus does (unknown fields are errors).
func loadRules(t *testing.T) *rulefmt.RuleGroups {
	t.Helper()
	groups, errs := rulefmt.ParseFile(rulesFile, false, model.LegacyValidation, parser.NewParser(parser.Options{}), slog.New(slog.DiscardHandler))
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	return groups
}

func TestRulesReadOnlyWhatTheWorkerExports(t *testing.T) {
	groups := loadRules(t)
	fams := knownFamilies(t)
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				fams[r.Record] = family{source: "recorded"}
			}
		}
	}
	n := 0
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			name := r.Alert + r.Record
			if len(checkExpr(t, g.Name+"/"+name, r.Expr, fams)) == 0 {
				t.Errorf("%s/%s reads no metric", g.Name, name)
			}
			n++
		}
	}
	if n < 10 {
		t.Errorf("%d rules; the file was not read as meant", n)
	}
}

// Every alert says how bad it is, what it means and where its runbook is; recorded series are
// named level:metric:operations.
func TestAlertsAreComplete(t *testing.T) {
	groups := loadRules(t)
	sections := runbookSections(t)
	alerts := map[string]bool{}
	for _, g := range groups.Groups {
		for _, r := range g.Rules {
			if r.Record != "" {
				if strings.Count(r.Record, ":") != 2 {
					t.Errorf("recorded series %s is not named level:metric:operations", r.Record)
				}
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s is defined twice", r.Alert)
			}
			alerts[r.Alert] = true
			if !strings.HasPrefix(r.Alert, "Taskpoller") {
				t.Errorf("alert %s: names start with Taskpoller", r.Alert)
			}
			if r.For <= 0 {
				t.Errorf("alert %s has no for:", r.Alert)
			}
			if s := r.Labels["severity"]; !slices.Contains([]string{"critical", "warning", "info"}, s) {
				t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, s)
			}
			for _, a := range []string{"summary", "description"} {
				if strings.TrimSpace(r.Annotations[a]) == "" {
					t.Errorf("alert %s has no %s", r.Alert, a)
				}
			}
			if got, want := r.Annotations["runbook_url"], "docs/monitoring.md#"+strings.ToLower(r.Alert); got != want {
				t.Errorf("alert %s: runbook_url %q, want %q", r.Alert, got, want)
			}
			if !sections[r.Alert] {
				t.Errorf("alert %s has no section \"### %s\" in docs/monitoring.md", r.Alert, r.Alert)
			}
		}
	}
	for s := range sections {
		if !alerts[s] {
			t.Errorf("docs/monitoring.md has a section on %s, which is no alert", s)
		}
	}
}

// runbookSections returns the alert names docs/monitoring.md has a "### Taskpoller..." section
// for (GitHub anchors them as the lowercased name).
func runbookSections(t *testing.T) map[string]bool {
	t.Helper()
	f, err := os.Open(runbook)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if name, ok := strings.CutPrefix(sc.Text(), "### Taskpoller"); ok {
			out["Taskpoller"+name] = true
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
