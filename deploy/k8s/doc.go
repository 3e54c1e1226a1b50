// Package k8s holds taskpoller's Kubernetes manifests: a kustomize base for the worker fleet,
// components (credentials by AccessKey or RRSA, NATS credentials, ServiceMonitor,
// NetworkPolicy) and overlays; docs/kubernetes.md explains them. The package has no code. Its
// tests decode every manifest strictly into the Kubernetes API types, so that a misspelt field
// fails instead of being dropped by the API server, render every overlay with kustomize, and
// check what the workers need of their pods (probes, resources, a locked-down security
// context, a grace period longer than the hand-back, credentials wired as the Alibaba Cloud
// credential chain reads them). cmd/taskpoller's tests check that every TASKPOLLER_* variable
// and flag named here is one of `taskpoller run`.
package k8s
