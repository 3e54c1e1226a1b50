package monitoring

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const dashboardFile = "grafana-dashboard.json"

type dashboard struct {
	UID           string `json:"uid"`
	Title         string `json:"title"`
	SchemaVersion int    `json:"schemaVersion"`
	Templating    struct {
		List []variable `json:"list"`
	} `json:"templating"`
	Panels []panel `json:"panels"`
}

type variable struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Query json.RawMessage `json:"query"` // a string, or {"query": "..."} for query variables
}

type panel struct {
	ID         int         `json:"id"`
	Type       string      `json:"type"`
	Title      string      `json:"title"`
	GridPos    *gridPos    `json:"gridPos"`
	Datasource *datasource `json:"datasource"`
	Targets    []target    `json:"targets"`
	Panels     []panel     `json:"panels"` // a collapsed row's panels
}

type gridPos struct {
	X, Y, W, H int
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

type target struct {
	RefID      string      `json:"refId"`
	Expr       string      `json:"expr"`
	Datasource *datasource `json:"datasource"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

// all returns every panel, those inside collapsed rows too.
func (d dashboard) all() []panel {
	var out []panel
	for _, p := range d.Panels {
		out = append(out, p)
		out = append(out, p.Panels...)
	}
	return out
}

// variables returns the names of the dashboard's variables, and the query of each query variable.
func (d dashboard) variables(t *testing.T) (names []string, queries map[string]string) {
	t.Helper()
	queries = map[string]string{}
	for _, v := range d.Templating.List {
		names = append(names, v.Name)
		if v.Type != "query" {
			continue
		}
		var q struct {
			Query string `json:"query"`
		}
		if err := json.Unmarshal(v.Query, &q); err != nil {
			if err := json.Unmarshal(v.Query, &q.Query); err != nil {
				t.Errorf("variable %s: query %s is neither a string nor {query}", v.Name, v.Query)
			}
		}
		queries[v.Name] = q.Query
	}
	return names, queries
}

func TestDashboardIsWellFormed(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("uid %q, title %q: both are needed to import and link the dashboard", d.UID, d.Title)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d; the panels are written for 39", d.SchemaVersion)
	}
	dsVar := false
	for _, v := range d.Templating.List {
		if v.Name == "datasource" {
			dsVar = v.Type == "datasource" && string(v.Query) == `"prometheus"`
		}
	}
	if !dsVar {
		t.Error(`no variable "datasource" of type datasource for prometheus`)
	}
	ids := map[int]string{}
	cells := map[[2]int]string{} // grid cells taken, by panel title
	for _, p := range d.all() {
		name := fmt.Sprintf("panel %d %q", p.ID, p.Title)
		if prev, dup := ids[p.ID]; dup || p.ID <= 0 {
			t.Errorf("%s: id not unique and positive (also %q)", name, prev)
		}
		ids[p.ID] = p.Title
		switch g := p.GridPos; {
		case g == nil:
			t.Errorf("%s has no gridPos", name)
		case g.W <= 0 || g.H <= 0 || g.X < 0 || g.Y < 0 || g.X+g.W > 24:
			t.Errorf("%s: gridPos %+v is outside the 24 columns", name, *g)
		default:
			for x := g.X; x < g.X+g.W; x++ {
				for y := g.Y; y < g.Y+g.H; y++ {
					if other, taken := cells[[2]int{x, y}]; taken {
						t.Errorf("%s overlaps %s at column %d, row %d", name, other, x, y)
						x, y = g.X+g.W, g.Y+g.H // once per pair is enough
						continue
					}
					cells[[2]int{x, y}] = name
				}
			}
		}
		if p.Type == "row" {
			if len(p.Targets) > 0 {
				t.Errorf("%s: a row has no queries", name)
			}
			continue
		}
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
			t.Errorf("%s: datasource %+v, want prometheus ${datasource}", name, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("%s has no targets", name)
		}
		refs := map[string]bool{}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" || tg.RefID == "" || refs[tg.RefID] {
				t.Errorf("%s: target %+v needs an expr and a refId of its own", name, tg)
			}
			refs[tg.RefID] = true
			if tg.Datasource != nil && *tg.Datasource != *p.Datasource {
				t.Errorf("%s: target %s queries %+v, the panel %+v", name, tg.RefID, *tg.Datasource, *p.Datasource)
			}
		}
	}
}

// promQL makes a panel's expression PromQL: Grafana's interval variables become durations and
// the dashboard's own variables a value. It reports a variable the dashboard does not define.
func promQL(t *testing.T, where, expr string, defined []string) string {
	t.Helper()
	for _, v := range []string{"$__rate_interval", "$__interval", "$__range", "${__rate_interval}", "${__interval}", "${__range}"} {
		expr = strings.ReplaceAll(expr, v, "5m")
	}
	grafanaVar := regexp.MustCompile(`\$\{(\w+)\}|\$(\w+)`) // $name or ${name}
	return grafanaVar.ReplaceAllStringFunc(expr, func(m string) string {
		name := strings.Trim(m, "${}")
		if !slices.Contains(defined, name) {
			t.Errorf("%s uses %s, which the dashboard does not define", where, m)
		}
		return "x"
	})
}

func TestDashboardReadsOnlyWhatTheWorkerExports(t *testing.T) {
	d := loadDashboard(t)
	fams := knownFamilies(t) // no recorded series: the dashboard works without the rules
	vars, queries := d.variables(t)
	read := map[string]bool{}
	for _, p := range d.all() {
		for _, tg := range p.Targets {
			where := fmt.Sprintf("panel %q target %s", p.Title, tg.RefID)
			for _, name := range checkExpr(t, where, promQL(t, where, tg.Expr, vars), fams) {
				read[name] = true
			}
		}
	}
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	for name, q := range queries {
		m := labelValues.FindStringSubmatch(q)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(selector, label)", name, q)
			continue
		}
		where := "variable " + name
		for _, f := range checkExpr(t, where, promQL(t, where, m[1], vars), fams) {
			if l := m[2]; l != "job" && l != "instance" && !slices.Contains(fams[f].labels, l) {
				t.Errorf("%s: %s has no label %s", where, f, l)
			}
		}
	}
	for name, f := range fams {
		if f.source == "worker" && !read[name] {
			t.Errorf("no panel shows %s: add one (or a query to a panel where it fits)", name)
		}
	}
}
