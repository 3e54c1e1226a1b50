package k8s

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	kusttypes "sigs.k8s.io/kustomize/api/types"
)

// manifestFiles returns the YAML files under the package directory, as slash paths relative
// to it.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); !d.IsDir() && (ext == ".yaml" || ext == ".yml") {
			files = append(files, filepath.ToSlash(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestEveryManifestDecodesStrictly decodes every YAML document under deploy/k8s into its API
// type, refusing unknown fields and kinds, and checks each kustomization's references.
func TestEveryManifestDecodesStrictly(t *testing.T) {
	files := manifestFiles(t)
	for _, want := range []string{"base/kustomization.yaml", "base/deployment.yaml", "overlays/rrsa/kustomization.yaml"} {
		if !slices.Contains(files, want) {
			t.Fatalf("the walk found %v, not %s", files, want)
		}
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := splitDocuments(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) == 0 {
				t.Fatal("no YAML document")
			}
			for _, doc := range docs {
				obj, err := decodeStrict(doc)
				if err != nil {
					t.Error(err)
					continue
				}
				k, isKustomization := obj.(*kusttypes.Kustomization)
				if isKustomization != (filepath.Base(f) == "kustomization.yaml") {
					t.Errorf("a Kustomization or Component must be, and only it may be, in a file named kustomization.yaml")
				}
				if isKustomization {
					checkKustomization(t, filepath.Dir(f), k)
				}
			}
		})
	}
}

// checkKustomization checks that what k names exists, that its inline patches decode
// strictly, and that every YAML file beside it is used by it (a file left out of resources
// would silently not be applied).
func checkKustomization(t *testing.T, dir string, k *kusttypes.Kustomization) {
	t.Helper()
	used := map[string]bool{"kustomization.yaml": true}
	exists := func(what, rel string) {
		if _, err := os.Stat(filepath.Join(dir, rel)); err != nil {
			t.Errorf("%s %s: %v", what, rel, err)
		}
		used[filepath.ToSlash(filepath.Clean(rel))] = true
	}
	for _, r := range k.Resources {
		exists("resource", r)
	}
	for _, c := range k.Components {
		exists("component", c)
	}
	for _, p := range k.Patches {
		switch {
		case p.Path != "" && p.Patch != "":
			t.Errorf("a patch with both path %s and an inline patch", p.Path)
		case p.Path != "":
			exists("patch", p.Path)
		case p.Patch != "":
			checkInlinePatch(t, p)
		default:
			t.Error("an empty patch")
		}
	}
	for _, g := range k.ConfigMapGenerator {
		for _, e := range g.EnvSources {
			if _, err := os.Stat(filepath.Join(dir, e)); err != nil {
				if _, exErr := os.Stat(filepath.Join(dir, e+".example")); exErr != nil {
					t.Errorf("configMapGenerator %s: neither %s nor %s.example exists", g.Name, e, e)
				}
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml") && !used[e.Name()] {
			t.Errorf("%s is not named by %s/kustomization.yaml", e.Name(), dir)
		}
	}
}

// checkInlinePatch decodes an inline patch: a JSON6902 list of operations, or a strategic
// merge patch in the form of the object it patches. (The values a JSON6902 patch adds are
// decoded strictly when the overlays are rendered.)
func checkInlinePatch(t *testing.T, p kusttypes.Patch) {
	t.Helper()
	if !strings.HasPrefix(strings.TrimSpace(p.Patch), "-") {
		if _, err := decodeStrict([]byte(p.Patch)); err != nil {
			t.Errorf("inline patch: %v", err)
		}
		return
	}
	if p.Target == nil || p.Target.Kind == "" || p.Target.Name == "" {
		t.Errorf("JSON6902 patch without a target kind and name: %q", p.Patch)
	}
	var ops []struct {
		Op    string          `json:"op"`
		Path  string          `json:"path"`
		From  string          `json:"from,omitempty"`
		Value json.RawMessage `json:"value,omitempty"`
	}
	if err := unmarshalStrict([]byte(p.Patch), &ops); err != nil {
		t.Errorf("JSON6902 patch: %v", err)
	}
	for _, op := range ops {
		if !slices.Contains([]string{"add", "remove", "replace", "move", "copy", "test"}, op.Op) || !strings.HasPrefix(op.Path, "/") {
			t.Errorf("JSON6902 operation %q on %q", op.Op, op.Path)
		}
	}
}

// TestStrictDecodingRejectsTypos shows that the decoding above fails on the mistakes it is
// there for, starting from the real base Deployment.
func TestStrictDecodingRejectsTypos(t *testing.T) {
	data, err := os.ReadFile("base/deployment.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(data)
	cases := []struct {
		name, old, new, want string
	}{
		{"misspelt field", "readinessProbe:", "readinesProbe:", `unknown field "spec.template.spec.containers[0].readinesProbe"`},
		{"wrong case", "readinessProbe:", "readinessprobe:", `unknown field "spec.template.spec.containers[0].readinessprobe"`},
		{"wrong type", "replicas: 3", `replicas: "3"`, "cannot unmarshal string"},
		{"duplicate key", "revisionHistoryLimit: 5", "revisionHistoryLimit: 5\n  revisionHistoryLimit: 6", `key "revisionHistoryLimit" already set`},
		{"unknown kind", "kind: Deployment", "kind: Deploymnet", "unknown apiVersion"},
	}
	if _, err := decodeStrict(data); err != nil {
		t.Fatalf("the base Deployment itself: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(base, c.old) {
				t.Fatalf("base/deployment.yaml has no %q to change", c.old)
			}
			_, err := decodeStrict([]byte(strings.Replace(base, c.old, c.new, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want an error with %q", err, c.want)
			}
		})
	}
}
