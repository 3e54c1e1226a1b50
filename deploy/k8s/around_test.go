package k8s

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkService: the metrics Service selects the workers, reaches --http-addr's port, and lists
// workers that are not ready.
func checkService(t *testing.T, f fleet) {
	t.Helper()
	if len(f.services) != 1 {
		t.Fatalf("%d Services, want 1 (metrics)", len(f.services))
	}
	s := f.services[0]
	pod := f.deployment.Spec.Template.Labels
	if len(s.Spec.Selector) == 0 || !labels.SelectorFromSet(s.Spec.Selector).Matches(labels.Set(pod)) {
		t.Errorf("Service selector %v does not select the workers %v", s.Spec.Selector, pod)
	}
	c := worker(t, f)
	for _, p := range s.Spec.Ports {
		if containerPort(c, p.TargetPort) == 0 {
			t.Errorf("Service port %s: target %s is not a port of the worker", p.Name, p.TargetPort.String())
		}
	}
	if !s.Spec.PublishNotReadyAddresses {
		t.Error("publishNotReadyAddresses: a worker that ECS refuses is not ready, and its metrics are needed then")
	}
}

// checkDisruptionBudget: one worker at a time, and unready workers never block a drain.
func checkDisruptionBudget(t *testing.T, f fleet) {
	t.Helper()
	if len(f.budgets) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want 1", len(f.budgets))
	}
	b := f.budgets[0]
	matches(t, "PodDisruptionBudget", b.Spec.Selector, f.deployment.Spec.Template.Labels)
	if b.Spec.MaxUnavailable == nil || b.Spec.MaxUnavailable.IntValue() != 1 || b.Spec.MinAvailable != nil {
		t.Errorf("PodDisruptionBudget maxUnavailable %v minAvailable %v: want maxUnavailable 1", b.Spec.MaxUnavailable, b.Spec.MinAvailable)
	}
	if p := b.Spec.UnhealthyPodEvictionPolicy; p == nil || *p != policyv1.AlwaysAllow {
		t.Errorf("unhealthyPodEvictionPolicy %v: want AlwaysAllow", p)
	}
}

// checkMonitor: a ServiceMonitor, where there is one, scrapes the metrics Service's port.
func checkMonitor(t *testing.T, f fleet) {
	t.Helper()
	for _, m := range f.monitors {
		s := f.services[0]
		matches(t, "ServiceMonitor", &m.Spec.Selector, s.Labels)
		if len(m.Spec.NamespaceSelector.MatchNames) > 0 || m.Spec.NamespaceSelector.Any {
			t.Error("ServiceMonitor namespaceSelector: the Service is in the ServiceMonitor's own namespace")
		}
		if len(m.Spec.Endpoints) == 0 {
			t.Error("ServiceMonitor without endpoints")
		}
		for _, e := range m.Spec.Endpoints {
			named := slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == e.Port })
			if !named || e.Path != "/metrics" {
				t.Errorf("ServiceMonitor endpoint port %q path %q: want a port of Service %s and /metrics", e.Port, e.Path, s.Name)
			}
		}
	}
}

// checkNetworkPolicy: a NetworkPolicy, where there is one, lets in the probes and Prometheus and
// lets out DNS, NATS and HTTPS (ECS, STS).
func checkNetworkPolicy(t *testing.T, f fleet) {
	t.Helper()
	for _, p := range f.policies {
		matches(t, "NetworkPolicy", &p.Spec.PodSelector, f.deployment.Spec.Template.Labels)
		if !slices.Equal(p.Spec.PolicyTypes, []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress}) {
			t.Errorf("policyTypes %v: want Ingress and Egress", p.Spec.PolicyTypes)
		}
		c := worker(t, f)
		in := false
		for _, r := range p.Spec.Ingress {
			for _, port := range r.Ports {
				if len(r.From) == 0 && port.Port != nil && containerPort(c, *port.Port) != 0 {
					in = true
				}
			}
		}
		if !in {
			t.Error("NetworkPolicy ingress: the probes and Prometheus need the http port from anywhere")
		}
		for _, want := range []struct {
			proto corev1.Protocol
			port  int32
		}{{corev1.ProtocolUDP, 53}, {corev1.ProtocolTCP, 53}, {corev1.ProtocolTCP, 4222}, {corev1.ProtocolTCP, 443}} {
			found := slices.ContainsFunc(p.Spec.Egress, func(r networkingv1.NetworkPolicyEgressRule) bool {
				return len(r.To) == 0 && slices.ContainsFunc(r.Ports, func(np networkingv1.NetworkPolicyPort) bool {
					return np.Protocol != nil && *np.Protocol == want.proto && np.Port != nil && np.Port.IntValue() == int(want.port)
				})
			})
			if !found {
				t.Errorf("NetworkPolicy egress: %s %d is not allowed", want.proto, want.port)
			}
		}
	}
}
