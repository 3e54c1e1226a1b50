package k8s

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// allComponents is a kustomization, only in the tests, that uses every component at once, so
// that each is rendered and decoded even where no shipped overlay uses it.
const allComponents = `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../base
components:
  - ../components/rrsa
  - ../components/nats-creds
  - ../components/servicemonitor
  - ../components/network-policy
configMapGenerator:
  - name: taskpoller-rrsa
    envs:
      - rrsa.env
`

// TestOverlaysRender builds each overlay with kustomize, as `kubectl apply -k` would, decodes
// every object it yields strictly and checks the fleet it describes.
func TestOverlaysRender(t *testing.T) {
	fsys, root := memCopy(t)
	writeMem(t, fsys, filepath.Join(root, "all-components", "kustomization.yaml"), allComponents)
	rrsaEnv, err := os.ReadFile("overlays/rrsa/rrsa.env.example")
	if err != nil {
		t.Fatal(err)
	}
	writeMem(t, fsys, filepath.Join(root, "all-components", "rrsa.env"), string(rrsaEnv))

	cases := []struct {
		dir   string
		creds func(*testing.T, fleet)
		extra func(*testing.T, fleet)
	}{
		{"overlays/accesskey", checkAccessKey, nil},
		{"overlays/rrsa", checkRRSA, nil},
		{"all-components", checkRRSA, func(t *testing.T, f fleet) {
			checkNATSCreds(t, f)
			if len(f.policies) != 1 {
				t.Errorf("%d NetworkPolicies, want 1", len(f.policies))
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.dir, func(t *testing.T) {
			f := render(t, fsys, filepath.Join(root, c.dir))
			checkWorkers(t, f)
			checkService(t, f)
			checkDisruptionBudget(t, f)
			checkMonitor(t, f)
			checkNetworkPolicy(t, f)
			checkCredentialVariables(t, f)
			c.creds(t, f)
			if c.extra != nil {
				c.extra(t, f)
			}
		})
	}
}

// memCopy copies deploy/k8s into an in-memory file system at its absolute path, each
// NAME.example also as NAME (the files a user creates from them, such as rrsa.env, are not in
// git), and returns it with that path.
func memCopy(t *testing.T) (filesys.FileSystem, string) {
	t.Helper()
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	fsys := filesys.MakeFsInMemory()
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		writeMem(t, fsys, filepath.Join(root, path), string(data))
		if name, ok := strings.CutSuffix(path, ".example"); ok {
			writeMem(t, fsys, filepath.Join(root, name), string(data))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys, root
}

func writeMem(t *testing.T, fsys filesys.FileSystem, path, data string) {
	t.Helper()
	if err := fsys.MkdirAll(filepath.Dir(path)); err != nil {
		t.Fatal(err)
	}
	if err := fsys.WriteFile(path, []byte(data)); err != nil {
		t.Fatal(err)
	}
}

// fleet is what an overlay renders to, by kind.
type fleet struct {
	deployment      *appsv1.Deployment
	configMaps      map[string]*corev1.ConfigMap
	serviceAccounts map[string]*corev1.ServiceAccount
	services        []*corev1.Service
	budgets         []*policyv1.PodDisruptionBudget
	monitors        []*monitoringv1.ServiceMonitor
	policies        []*networkingv1.NetworkPolicy
}

// render builds the kustomization in dir and decodes every object strictly.
func render(t *testing.T, fsys filesys.FileSystem, dir string) fleet {
	t.Helper()
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	f := fleet{configMaps: map[string]*corev1.ConfigMap{}, serviceAccounts: map[string]*corev1.ServiceAccount{}}
	for _, r := range m.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		obj, err := decodeStrict(y)
		if err != nil {
			t.Errorf("rendered %s: %v", r.CurId(), err)
			continue
		}
		switch o := obj.(type) {
		case *appsv1.Deployment:
			if f.deployment != nil {
				t.Errorf("a second Deployment %s", o.Name)
			}
			f.deployment = o
		case *corev1.ConfigMap:
			f.configMaps[o.Name] = o
		case *corev1.ServiceAccount:
			f.serviceAccounts[o.Name] = o
		case *corev1.Service:
			f.services = append(f.services, o)
		case *policyv1.PodDisruptionBudget:
			f.budgets = append(f.budgets, o)
		case *monitoringv1.ServiceMonitor:
			f.monitors = append(f.monitors, o)
		case *networkingv1.NetworkPolicy:
			f.policies = append(f.policies, o)
		default:
			t.Errorf("rendered %s: a %T is not expected in the fleet", r.CurId(), obj)
		}
	}
	if f.deployment == nil {
		t.Fatal("no Deployment rendered")
	}
	return f
}
