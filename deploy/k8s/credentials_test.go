package k8s

import (
	"path"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// credentialVariables are the ALIBABA_CLOUD_* variables that the default credential chain of
// github.com/aliyun/credentials-go (v1.4.14, credentials/providers) reads; a manifest setting
// any other has a typo.
func credentialVariables() []string {
	return []string{
		"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN", // env.go
		"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE", // oidc.go
		"ALIBABA_CLOUD_ROLE_SESSION_NAME", "ALIBABA_CLOUD_STS_REGION", "ALIBABA_CLOUD_VPC_ENDPOINT_ENABLED",
		"ALIBABA_CLOUD_ECS_METADATA_DISABLED", // ecs_ram_role.go
	}
}

// checkCredentialVariables: every ALIBABA_CLOUD_* variable is one the chain reads, and the
// chain never falls back to the node's instance role.
func checkCredentialVariables(t *testing.T, f fleet) {
	t.Helper()
	vars := environment(t, f, worker(t, f))
	for name := range vars {
		if strings.HasPrefix(name, "ALIBABA_CLOUD_") && !slices.Contains(credentialVariables(), name) {
			t.Errorf("%s is not read by the Alibaba Cloud credential chain", name)
		}
	}
	if v := vars["ALIBABA_CLOUD_ECS_METADATA_DISABLED"]; v.value != "true" {
		t.Errorf("ALIBABA_CLOUD_ECS_METADATA_DISABLED %q: want true, so a worker never signs with the node's RAM role", v.value)
	}
}

// checkAccessKey: the AccessKey comes from the Secret taskpoller-access-key, and nothing of RRSA
// is set.
func checkAccessKey(t *testing.T, f fleet) {
	t.Helper()
	vars := environment(t, f, worker(t, f))
	for name, key := range map[string]string{"ALIBABA_CLOUD_ACCESS_KEY_ID": "access-key-id", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "access-key-secret"} {
		if s := vars[name].secret; s == nil || s.Name != "taskpoller-access-key" || s.Key != key {
			t.Errorf("%s from %+v: want Secret taskpoller-access-key key %s", name, s, key)
		}
	}
	for _, name := range []string{"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN", "ALIBABA_CLOUD_OIDC_TOKEN_FILE"} {
		if _, ok := vars[name]; ok {
			t.Errorf("%s is set: the AccessKey overlay uses no RRSA", name)
		}
	}
}

// checkRRSA: no AccessKey; the role and provider ARNs are set; the token file is the projected
// service account token for STS.
func checkRRSA(t *testing.T, f fleet) {
	t.Helper()
	c := worker(t, f)
	vars := environment(t, f, c)
	for _, name := range []string{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET"} {
		if _, ok := vars[name]; ok {
			t.Errorf("%s is set: the chain would take it before RRSA", name)
		}
	}
	for _, name := range []string{"ALIBABA_CLOUD_ROLE_ARN", "ALIBABA_CLOUD_OIDC_PROVIDER_ARN"} {
		if v := vars[name].value; !strings.HasPrefix(v, "acs:ram::") {
			t.Errorf("%s %q: want an ARN acs:ram::...", name, v)
		}
	}
	file := vars["ALIBABA_CLOUD_OIDC_TOKEN_FILE"].value
	v, ok := mountedVolume(f, c, path.Dir(file))
	if !ok || v.Projected == nil || !slices.ContainsFunc(v.Projected.Sources, func(s corev1.VolumeProjection) bool {
		sat := s.ServiceAccountToken
		return sat != nil && sat.Audience == "sts.aliyuncs.com" && sat.Path == path.Base(file) &&
			sat.ExpirationSeconds != nil && *sat.ExpirationSeconds >= 600
	}) {
		t.Errorf("ALIBABA_CLOUD_OIDC_TOKEN_FILE %q: want a projected service account token for audience sts.aliyuncs.com there", file)
	}
}

// checkNATSCreds: --nats-creds names the file nats.creds of the Secret taskpoller-nats.
func checkNATSCreds(t *testing.T, f fleet) {
	t.Helper()
	c := worker(t, f)
	var file string
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--nats-creds="); ok {
			file = v
		}
	}
	v, ok := mountedVolume(f, c, path.Dir(file))
	if file == "" || !ok || v.Secret == nil || v.Secret.SecretName != "taskpoller-nats" ||
		!slices.Contains(v.Secret.Items, corev1.KeyToPath{Key: "nats.creds", Path: path.Base(file)}) {
		t.Errorf("--nats-creds %q: want the key nats.creds of the Secret taskpoller-nats mounted there", file)
	}
}

// mountedVolume returns the volume that c mounts at dir.
func mountedVolume(f fleet, c corev1.Container, dir string) (corev1.Volume, bool) {
	for _, m := range c.VolumeMounts {
		if path.Clean(m.MountPath) != path.Clean(dir) || m.SubPath != "" {
			continue
		}
		for _, v := range f.deployment.Spec.Template.Spec.Volumes {
			if v.Name == m.Name {
				return v, true
			}
		}
	}
	return corev1.Volume{}, false
}
