package main

import (
	"bufio"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/internal/flagenv"
)

// k8sDir holds the Kubernetes manifests (deploy/k8s, tested on their own there).
const k8sDir = "../../deploy/k8s"

// TestKubernetesManifestsNameRealFlags: every TASKPOLLER_* variable and every flag given to
// the worker in deploy/k8s is a flag of `taskpoller run`, so a renamed or misspelt flag fails
// here rather than being ignored by a running worker.
func TestKubernetesManifestsNameRealFlags(t *testing.T) {
	var cfg runConfig
	vars := map[string]bool{}
	cfg.flags().VisitAll(func(f *flag.Flag) { vars[envName(f.Name)] = true })
	envRe := regexp.MustCompile(`TASKPOLLER_[A-Z0-9_]*[A-Z0-9]`)
	seen := map[string]bool{}
	for path, text := range manifestTexts(t) {
		for _, name := range envRe.FindAllString(text, -1) {
			seen[name] = true
			if !vars[name] {
				t.Errorf("%s: %s is not a flag of taskpoller run", path, name)
			}
		}
		for _, arg := range manifestArgs(text) {
			name, _, _ := strings.Cut(strings.TrimPrefix(arg, "--"), "=")
			seen["--"+name] = true
			if !vars[envName(name)] {
				t.Errorf("%s: %s is not a flag of taskpoller run", path, arg)
			}
		}
	}
	for _, want := range []string{"TASKPOLLER_NATS_URL", "TASKPOLLER_HTTP_ADDR", "--nats-creds"} {
		if !seen[want] {
			t.Errorf("%s was not found in %s: the scan is broken", want, k8sDir)
		}
	}
}

// TestKubernetesSettingsValidate: the ConfigMap's settings, the flags the components add and a
// NATS URL from the Secret make a configuration that `taskpoller run` accepts.
func TestKubernetesSettingsValidate(t *testing.T) {
	env := map[string]string{envName("nats-url"): "nats://nats.nats.svc:4222"}
	f, err := os.Open(filepath.Join(k8sDir, "base", "taskpoller.env"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && !strings.HasPrefix(line, "#") {
			env[k] = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, text := range manifestTexts(t) {
		args = append(args, manifestArgs(text)...)
	}
	var cfg runConfig
	set := cfg.flags()
	set.SetOutput(io.Discard)
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	if err := flagenv.Parse(set, args, envPrefix, lookup); err != nil {
		t.Fatalf("args %q with %v: %v", args, env, err)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("the Kubernetes settings do not validate: %v", err)
	}
	if cfg.Setup.Replicas != 3 || cfg.NATS.Creds == "" {
		t.Errorf("--replicas %d, --nats-creds %q: the settings were not read", cfg.Setup.Replicas, cfg.NATS.Creds)
	}
}

// manifestTexts returns every file under deploy/k8s but the Go files, by path.
func manifestTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	err := filepath.WalkDir(k8sDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, ".go") {
			return err
		}
		data, err := os.ReadFile(path)
		texts[path] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// manifestArgs returns the flags in text's YAML lists and JSON6902 values (`- --flag=value`,
// `value: --flag=value`), the two ways the manifests give the worker arguments.
func manifestArgs(text string) []string {
	re := regexp.MustCompile(`(?m)^[ \t]*(?:-|value:)[ \t]+["']?(--[a-z0-9][a-z0-9-]*(?:=[^"'\s]*)?)`)
	var args []string
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		args = append(args, m[1])
	}
	return args
}
