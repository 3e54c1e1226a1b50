package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/taskpoller/taskpoller/events"
)

// runAsyncAPI runs `taskpoller asyncapi args...`.
func runAsyncAPI(args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	code = realMain(context.Background(), append([]string{"asyncapi"}, args...), &out, &errOut)
	return out.String(), errOut.String(), code
}

// `taskpoller asyncapi` prints the document in YAML or JSON, the same in both, for the prefix
// it is given; it refuses a bad prefix or format.
func TestAsyncAPICommand(t *testing.T) {
	y, stderr, code := runAsyncAPI()
	if code != 0 {
		t.Fatalf("asyncapi: exit %d, %s", code, stderr)
	}
	j, _, code := runAsyncAPI("--format", "json")
	if code != 0 {
		t.Fatalf("asyncapi --format json: exit %d", code)
	}
	fromYAML, err := yaml.YAMLToJSON([]byte(y))
	if err != nil {
		t.Fatalf("the YAML does not parse: %v", err)
	}
	var a, b any
	if err := json.Unmarshal(fromYAML, &a); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(j), &b); err != nil {
		t.Fatalf("the JSON does not parse: %v", err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("the YAML and JSON documents differ")
	}
	if !strings.Contains(j, `"address": "ecs.tasks.finished.{region}.{action}.{task}"`) {
		t.Errorf("the default document lacks the finished channel of prefix %s", events.DefaultPrefix)
	}
	other, _, code := runAsyncAPI("--subject-prefix", "acme.jobs", "--format", "json")
	if code != 0 || !strings.Contains(other, `"address": "acme.jobs.registered"`) || strings.Contains(other, `"address": "ecs.tasks.`) {
		t.Errorf("--subject-prefix acme.jobs: exit %d, or its addresses are not acme.jobs's", code)
	}
	env, _ := cli(t, []string{"TASKPOLLER_SUBJECT_PREFIX=env.jobs", "TASKPOLLER_FORMAT=json"}, "asyncapi")
	if !strings.Contains(env, `"address": "env.jobs.invalid"`) {
		t.Errorf("the environment does not set the prefix and format: %.200s", env)
	}
	for _, tt := range []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"--format", "xml"}, 1, `--format "xml": want yaml or json`},
		{[]string{"--subject-prefix", "a.*"}, 1, "--subject-prefix"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--help"}, 0, "Usage: taskpoller asyncapi [flags]"},
	} {
		out, stderr, code := runAsyncAPI(tt.args...)
		if code != tt.code || !strings.Contains(out+stderr, tt.say) {
			t.Errorf("asyncapi %v: exit %d, output %.300q; want exit %d saying %q", tt.args, code, out+stderr, tt.code, tt.say)
		}
	}
}

// docs/asyncapi.yaml is what `taskpoller asyncapi` prints today.
func TestAsyncAPIDocIsUpToDate(t *testing.T) {
	want, err := asyncapiDocument(events.DefaultPrefix, formatYAML)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../../docs/asyncapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("docs/asyncapi.yaml is out of date: run `make asyncapi`")
	}
}
