package k8s

import (
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// shutdownBound is how long a worker's graceful stop takes at most: after SIGTERM the hand-back
// of its registrations is bounded at 5 s (poller.Worker.handBack) and the final flush at 2 s
// (cmd/taskpoller service.close); its presence and the HTTP server stop meanwhile. The grace
// period must exceed it by far: SIGKILL during the hand-back leaves tasks to wait --ack-wait.
const shutdownBound = 7 * time.Second

// externalSecrets are the Secrets the user creates (docs/kubernetes.md) and their keys; the
// manifests may refer to no other.
func externalSecrets() map[string][]string {
	return map[string][]string{
		"taskpoller-nats":       {"url", "nats.creds"},
		"taskpoller-access-key": {"access-key-id", "access-key-secret"},
	}
}

// worker returns the worker container. It must be the first: the components' JSON6902
// patches address it as containers/0.
func worker(t *testing.T, f fleet) corev1.Container {
	t.Helper()
	cs := f.deployment.Spec.Template.Spec.Containers
	if len(cs) == 0 || cs[0].Name != "taskpoller" {
		t.Fatalf("the first container is not taskpoller: %d containers", len(cs))
	}
	return cs[0]
}

// variable is where an environment variable of a container comes from.
type variable struct {
	value  string                    // a literal value or a ConfigMap's
	secret *corev1.SecretKeySelector // or a Secret's key
}

// environment returns the variables of c, checking that every ConfigMap it names is rendered
// and every Secret is one of externalSecrets.
func environment(t *testing.T, f fleet, c corev1.Container) map[string]variable {
	t.Helper()
	vars := map[string]variable{}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			t.Errorf("envFrom other than a ConfigMap: name a Secret's keys one by one")
			continue
		}
		cm, ok := f.configMaps[from.ConfigMapRef.Name]
		if !ok {
			t.Errorf("envFrom ConfigMap %s is not rendered", from.ConfigMapRef.Name)
			continue
		}
		for k, v := range cm.Data {
			vars[from.Prefix+k] = variable{value: v}
		}
	}
	for _, e := range c.Env { // env wins over envFrom
		switch src := e.ValueFrom; {
		case src == nil:
			vars[e.Name] = variable{value: e.Value}
		case src.SecretKeyRef != nil:
			keys, ok := externalSecrets()[src.SecretKeyRef.Name]
			if !ok || !slices.Contains(keys, src.SecretKeyRef.Key) {
				t.Errorf("%s: Secret %s key %s is not one the user is told to create", e.Name, src.SecretKeyRef.Name, src.SecretKeyRef.Key)
			}
			vars[e.Name] = variable{secret: src.SecretKeyRef}
		case src.ConfigMapKeyRef != nil:
			cm, ok := f.configMaps[src.ConfigMapKeyRef.Name]
			if !ok {
				t.Errorf("%s: ConfigMap %s is not rendered", e.Name, src.ConfigMapKeyRef.Name)
				continue
			}
			vars[e.Name] = variable{value: cm.Data[src.ConfigMapKeyRef.Key]}
		default:
			t.Errorf("%s: unexpected valueFrom", e.Name)
		}
	}
	return vars
}

func matches(t *testing.T, what string, sel *metav1.LabelSelector, set map[string]string) {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() || !s.Matches(labels.Set(set)) {
		t.Errorf("%s selector %v (%v) does not select the workers' labels %v", what, sel, err, set)
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return "unset"
	}
	return *p
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

// checkWorkers checks the Deployment: rollout, identity, grace period, pod security and each
// container.
func checkWorkers(t *testing.T, f fleet) {
	d := f.deployment
	spec := d.Spec.Template.Spec
	matches(t, "Deployment", d.Spec.Selector, d.Spec.Template.Labels)
	if d.Spec.Replicas == nil || *d.Spec.Replicas < 2 {
		t.Errorf("replicas %v: a fleet needs at least 2 workers", d.Spec.Replicas)
	}
	if ru := d.Spec.Strategy.RollingUpdate; ru == nil || ru.MaxUnavailable == nil || ru.MaxUnavailable.IntValue() != 0 {
		t.Errorf("rolling update %+v: want maxUnavailable 0, so a new worker is ready before an old one stops", ru)
	}
	if _, ok := f.serviceAccounts[spec.ServiceAccountName]; !ok {
		t.Errorf("ServiceAccount %q is not rendered", spec.ServiceAccountName)
	}
	if !isFalse(spec.AutomountServiceAccountToken) {
		t.Error("automountServiceAccountToken must be false: the workers never call the Kubernetes API")
	}
	if !isFalse(spec.EnableServiceLinks) {
		t.Error("enableServiceLinks must be false: a Service's variables could set a TASKPOLLER_ flag")
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil || time.Duration(*g)*time.Second < 3*shutdownBound {
		t.Errorf("terminationGracePeriodSeconds %s: want at least %s, three times the graceful stop's bound", fmt.Sprint(deref(g)), 3*shutdownBound)
	}
	psc := spec.SecurityContext
	if psc == nil || !isTrue(psc.RunAsNonRoot) || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v: want runAsNonRoot, runAsUser 65532 (the image's user), seccomp RuntimeDefault", psc)
	}
	volumes := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		if v.EmptyDir != nil || v.HostPath != nil {
			t.Errorf("volume %s: the worker writes no files; no emptyDir or hostPath", v.Name)
		}
		volumes[v.Name] = v
	}
	worker(t, f)
	for _, c := range slices.Concat(spec.InitContainers, spec.Containers) {
		t.Run(c.Name, func(t *testing.T) { checkContainer(t, f, c, volumes) })
	}
}

func checkContainer(t *testing.T, f fleet, c corev1.Container, volumes map[string]corev1.Volume) {
	vars := environment(t, f, c)
	if c.Image == "" || len(c.Args) == 0 || c.Args[0] != "run" {
		t.Errorf("image %q args %q: want `taskpoller run`", c.Image, c.Args)
	}
	if url := vars["TASKPOLLER_NATS_URL"].secret; url == nil || url.Name != "taskpoller-nats" || url.Key != "url" || isTrue(url.Optional) {
		t.Errorf("TASKPOLLER_NATS_URL from %+v: want the Secret taskpoller-nats, key url, not optional (empty would start an embedded server)", url)
	}
	port := httpPort(t, c, vars)
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"startupProbe", c.StartupProbe, "/healthz"}, {"livenessProbe", c.LivenessProbe, "/healthz"}, {"readinessProbe", c.ReadinessProbe, "/readyz"}} {
		switch {
		case p.probe == nil || p.probe.HTTPGet == nil:
			t.Errorf("%s: want an HTTP GET of %s", p.name, p.path)
		case p.probe.HTTPGet.Path != p.path:
			t.Errorf("%s path %s, want %s", p.name, p.probe.HTTPGet.Path, p.path)
		case containerPort(c, p.probe.HTTPGet.Port) != port:
			t.Errorf("%s port %s is not --http-addr's %d", p.name, p.probe.HTTPGet.Port.String(), port)
		}
	}
	checkResources(t, c, vars)
	sc := c.SecurityContext
	if sc == nil || !isFalse(sc.AllowPrivilegeEscalation) || !isTrue(sc.ReadOnlyRootFilesystem) || isTrue(sc.Privileged) ||
		sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 ||
		!isTrue(sc.RunAsNonRoot) || sc.RunAsUser == nil || *sc.RunAsUser != 65532 {
		t.Errorf("securityContext %+v: want non-root 65532, no privilege escalation, read-only root, all capabilities dropped", sc)
	}
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok || !m.ReadOnly {
			t.Errorf("volumeMount %s: want a read-only mount of a volume of the pod", m.Name)
		}
	}
}

// httpPort is the port of --http-addr, which must be set in the environment (the ConfigMap),
// and must be a port of the container.
func httpPort(t *testing.T, c corev1.Container, vars map[string]variable) int32 {
	t.Helper()
	for _, a := range c.Args {
		if strings.HasPrefix(a, "--http-addr") || strings.HasPrefix(a, "-http-addr") {
			t.Errorf("arg %s: set TASKPOLLER_HTTP_ADDR in the ConfigMap instead, where the tests find it", a)
		}
	}
	_, p, err := net.SplitHostPort(vars["TASKPOLLER_HTTP_ADDR"].value)
	port, perr := strconv.Atoi(p)
	if err != nil || perr != nil {
		t.Fatalf("TASKPOLLER_HTTP_ADDR %q: %v %v", vars["TASKPOLLER_HTTP_ADDR"].value, err, perr)
	}
	if containerPort(c, intstr.FromInt32(int32(port))) == 0 {
		t.Errorf("--http-addr port %d is not a port of the container", port)
	}
	return int32(port)
}

// containerPort resolves p, a number or a port name, to a TCP port of c, or 0.
func containerPort(c corev1.Container, p intstr.IntOrString) int32 {
	for _, cp := range c.Ports {
		if (cp.Protocol == "" || cp.Protocol == corev1.ProtocolTCP) &&
			((p.Type == intstr.String && cp.Name == p.StrVal) || (p.Type == intstr.Int && cp.ContainerPort == p.IntVal)) {
			return cp.ContainerPort
		}
	}
	return 0
}

// checkResources: requests and limits of CPU and memory, requests within limits, and
// GOMEMLIMIT below the memory limit with room for what is not Go heap.
func checkResources(t *testing.T, c corev1.Container, vars map[string]variable) {
	t.Helper()
	r := c.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, okReq := r.Requests[name]
		lim, okLim := r.Limits[name]
		if !okReq || !okLim || req.Cmp(lim) > 0 {
			t.Errorf("%s: request %s, limit %s: want both, request within limit", name, req.String(), lim.String())
		}
	}
	limit := r.Limits[corev1.ResourceMemory]
	goLimit, err := parseGoMemLimit(vars["GOMEMLIMIT"].value)
	if err != nil {
		t.Errorf("GOMEMLIMIT: %v", err)
		return
	}
	if lo, hi := limit.Value()/2, limit.Value()*95/100; goLimit < lo || goLimit > hi {
		t.Errorf("GOMEMLIMIT %d bytes: want between 50%% and 95%% of the memory limit %s", goLimit, limit.String())
	}
}

// parseGoMemLimit parses GOMEMLIMIT as the Go runtime does: bytes with an optional B, KiB,
// MiB, GiB or TiB suffix.
func parseGoMemLimit(s string) (int64, error) {
	m := regexp.MustCompile(`^([0-9]+)(B|KiB|MiB|GiB|TiB)?$`).FindStringSubmatch(s)
	if m == nil {
		return 0, fmt.Errorf("%q is not a Go memory limit", s)
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	shift := map[string]uint{"": 0, "B": 0, "KiB": 10, "MiB": 20, "GiB": 30, "TiB": 40}[m[2]]
	return n << shift, err
}

// TestDocsNameTheSecrets: docs/kubernetes.md tells the user to create every Secret and key the
// manifests refer to.
func TestDocsNameTheSecrets(t *testing.T) {
	doc, err := os.ReadFile("../../docs/kubernetes.md")
	if err != nil {
		t.Fatal(err)
	}
	for name, keys := range externalSecrets() {
		for _, s := range append([]string{name}, keys...) {
			if !strings.Contains(string(doc), "`"+s+"`") {
				t.Errorf("docs/kubernetes.md does not name `%s` (Secret %s)", s, name)
			}
		}
	}
}
