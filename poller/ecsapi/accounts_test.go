package ecsapi_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// everyKind is an accounts file with an account of every kind of credential.
const everyKind = `
accounts:
  - name: chain
    credential: {kind: default}
  - name: keys
    credential:
      kind: access_key
      access_key_id: {env: KEYS_AK_ID}
      access_key_secret: {file: /run/secrets/keys/secret}
      security_token: {env: KEYS_TOKEN}
    quotas: {DescribeTaskAttribute: 20, DescribeTasks: 5}
    discover_regions: [cn-hangzhou, ap-southeast-1]
  - name: prod-eu
    credential:
      kind: ram_role_arn
      role_arn: acs:ram::1234567890123456:role/taskpoller
      session_name: taskpoller-prod-eu
      external_id: abc-123
      duration: 30m
      sts_endpoint: sts.eu-central-1.aliyuncs.com
      source: {kind: access_key, access_key_id: {env: HUB_AK_ID}, access_key_secret: {env: HUB_AK_SECRET}}
  - name: ack
    credential:
      kind: oidc_role_arn
      role_arn: acs:ram::1234567890123456:role/rrsa-taskpoller
      oidc_provider_arn: acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1
      oidc_token_file: /var/run/secrets/tokens/oidc-token
  - name: instance
    credential: {kind: ecs_ram_role, role_name: EcsTaskPoller}
`

// The same as JSON, as an operator would write it.
const everyKindJSON = `{
	"accounts": [
		{"name": "chain", "credential": {"kind": "default"}},
		{"name": "keys", "credential": {"kind": "access_key", "access_key_id": {"env": "KEYS_AK_ID"},
			"access_key_secret": {"file": "\/run\/secrets\/keys\/secret"}, "security_token": {"env": "KEYS_TOKEN"}},
		 "quotas": {"DescribeTaskAttribute": 20, "DescribeTasks": 5}, "discover_regions": ["cn-hangzhou", "ap-southeast-1"]},
		{"name": "prod-eu", "credential": {"kind": "ram_role_arn", "role_arn": "acs:ram::1234567890123456:role/taskpoller",
			"session_name": "taskpoller-prod-eu", "external_id": "abc-123", "duration": "30m",
			"sts_endpoint": "sts.eu-central-1.aliyuncs.com",
			"source": {"kind": "access_key", "access_key_id": {"env": "HUB_AK_ID"}, "access_key_secret": {"env": "HUB_AK_SECRET"}}}},
		{"name": "ack", "credential": {"kind": "oidc_role_arn", "role_arn": "acs:ram::1234567890123456:role/rrsa-taskpoller",
			"oidc_provider_arn": "acs:ram::1234567890123456:oidc-provider/ack-rrsa-c1",
			"oidc_token_file": "/var/run/secrets/tokens/oidc-token"}},
		{"name": "instance", "credential": {"kind": "ecs_ram_role", "role_name": "EcsTaskPoller"}}
	]
}`

func TestParseAccountsEveryKind(t *testing.T) {
	got, err := ecsapi.ParseAccounts([]byte(everyKind))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"chain", "keys", "prod-eu", "ack", "instance"}; !reflect.DeepEqual(got.Names(), want) {
		t.Fatalf("names %v, want %v", got.Names(), want)
	}
	keys, _ := got.Account("keys")
	if keys.Credential.AccessKeyID.Env != "KEYS_AK_ID" || keys.Credential.AccessKeySecret.File != "/run/secrets/keys/secret" ||
		keys.Quotas[ecsapi.APIDescribeTasks] != 5 || !reflect.DeepEqual(keys.DiscoverRegions, []string{"cn-hangzhou", "ap-southeast-1"}) {
		t.Errorf("keys = %+v", keys.Credential)
	}
	role, _ := got.Account("prod-eu")
	if c := role.Credential; c.RoleARN != "acs:ram::1234567890123456:role/taskpoller" || c.Duration != "30m" ||
		c.ExternalID != "abc-123" || c.Source == nil || c.Source.AccessKeySecret.Env != "HUB_AK_SECRET" {
		t.Errorf("prod-eu = %+v", c)
	}
	if _, ok := got.Account("nope"); ok {
		t.Error("Account(nope) found one")
	}
	fromJSON, err := ecsapi.ParseAccounts([]byte(everyKindJSON))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fromJSON, got) {
		t.Errorf("JSON gives %+v\nYAML gives %+v", fromJSON, got)
	}
	if s := got.String(); s != "chain (default), keys (access_key), prod-eu (ram_role_arn), ack (oidc_role_arn), instance (ecs_ram_role)" {
		t.Errorf("String() = %q", s)
	}
}

// Every refusal names the account (by name, or index without a valid name) and the field.
func TestParseAccountsRefuses(t *testing.T) {
	const keyRefs = `access_key_id: {env: A}, access_key_secret: {env: B}`
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"no account", `accounts: []`, []string{"lists no account"}},
		{"empty file", ``, []string{"lists no account"}},
		{"unknown top field", "accounts: [{name: a, credential: {kind: default}}]\nextra: 1", []string{"unknown field extra"}},
		{"unknown account field", `accounts: [{name: a, credential: {kind: default}, region: x}]`, []string{`account "a": unknown field region`}},
		{"unknown credential field", `accounts: [{name: a, credential: {kind: default, secret: x}}]`, []string{`account "a": unknown field credential.secret`}},
		{"field in another case", `accounts: [{Name: a, credential: {kind: default}}]`, []string{"unknown field Name"}},
		{"key given twice", "accounts:\n- name: a\n  name: b\n  credential: {kind: default}", []string{"given twice at line 3"}},
		{"JSON field given twice", `{"accounts": [{"name": "a", "name": "b", "credential": {"kind": "default"}}]}`, []string{"given twice", "name"}},
		{"name missing", `accounts: [{credential: {kind: default}}]`, []string{"accounts[0]: name is missing"}},
		{"name in capitals", `accounts: [{name: Prod, credential: {kind: default}}]`, []string{`accounts[0]: name "Prod"`}},
		{"name too long", `accounts: [{name: a23456789012345678901234567890123, credential: {kind: default}}]`, []string{"accounts[0]: name"}},
		{"name with an underscore", `accounts: [{name: prod_eu, credential: {kind: default}}]`, []string{"accounts[0]: name"}},
		{"name given twice", `accounts: [{name: a, credential: {kind: default}}, {name: a, credential: {kind: default}}]`,
			[]string{`account "a": name given to more than one account`}},
		{"kind missing", `accounts: [{name: a, credential: {}}]`, []string{`account "a": credential.kind: missing`}},
		{"kind unknown", `accounts: [{name: a, credential: {kind: sso}}]`, []string{`account "a": credential.kind: "sso"`}},
		{"field of another kind", `accounts: [{name: a, credential: {kind: default, role_arn: "acs:ram::1:role/r"}}]`,
			[]string{`account "a": credential.role_arn: does not apply to kind default`}},
		{"access key without secret", `accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: A}}}]`,
			[]string{`account "a": credential.access_key_secret: required for kind access_key`}},
		{"reference with both", `accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: A, file: /x}, access_key_secret: {env: B}}}]`,
			[]string{`account "a": credential.access_key_id: want exactly one of env and file`}},
		{"reference with neither", `accounts: [{name: a, credential: {kind: access_key, access_key_id: {}, access_key_secret: {env: B}}}]`,
			[]string{`credential.access_key_id: want exactly one of env and file`}},
		{"reference unknown field", `accounts: [{name: a, credential: {kind: access_key, access_key_id: {vault: x}, access_key_secret: {env: B}}}]`,
			[]string{`account "a": credential.access_key_id: unknown field vault`}},
		{"bad variable name", `accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: 1A}, access_key_secret: {env: B}}}]`,
			[]string{`credential.access_key_id.env: "1A"`}},
		{"role without ARN", `accounts: [{name: a, credential: {kind: ram_role_arn}}]`, []string{`account "a": credential.role_arn: required`}},
		{"malformed ARN", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::prod:role/x"}}]`,
			[]string{`account "a": credential.role_arn: "acs:ram::prod:role/x"`}},
		{"duration too short", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", duration: 10m}}]`,
			[]string{`account "a": credential.duration: 10m: want whole seconds from 15m to 12h`}},
		{"duration not one", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", duration: soon}}]`,
			[]string{`credential.duration: "soon" is not a duration`}},
		{"session name", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", session_name: "a b"}}]`,
			[]string{`credential.session_name: "a b"`}},
		{"STS endpoint with a scheme", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", sts_endpoint: "https://sts.aliyuncs.com"}}]`,
			[]string{`credential.sts_endpoint: "https://sts.aliyuncs.com": want host[:port], without a scheme`}},
		{"source a role", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", source: {kind: ram_role_arn, role_arn: "acs:ram::1:role/s"}}}]`,
			[]string{`account "a": credential.source.kind: a role's source cannot be a ram_role_arn itself`}},
		{"source incomplete", `accounts: [{name: a, credential: {kind: ram_role_arn, role_arn: "acs:ram::1:role/r", source: {kind: access_key}}}]`,
			[]string{`account "a": credential.source.access_key_id: required`}},
		{"external ID on OIDC", `accounts: [{name: a, credential: {kind: oidc_role_arn, role_arn: "acs:ram::1:role/r", external_id: xy, oidc_provider_arn: "acs:ram::1:oidc-provider/p", oidc_token_file: /t}}]`,
			[]string{`credential.external_id: does not apply to kind oidc_role_arn`}},
		{"OIDC without provider and token", `accounts: [{name: a, credential: {kind: oidc_role_arn, role_arn: "acs:ram::1:role/r"}}]`,
			[]string{`credential.oidc_provider_arn: required`, `credential.oidc_token_file: required`}},
		{"instance role name", `accounts: [{name: a, credential: {kind: ecs_ram_role, role_name: "a b"}}]`, []string{`credential.role_name: "a b"`}},
		{"quota of an unknown API", `accounts: [{name: a, credential: {kind: default}, quotas: {DescribeInstances: 5}}]`,
			[]string{`account "a": quotas.DescribeInstances: unknown API`}},
		{"quota zero", `accounts: [{name: a, credential: {kind: default}, quotas: {DescribeTasks: 0}}]`, []string{`account "a": quotas.DescribeTasks: 0 calls/s`}},
		{"quota not a number", `accounts: [{name: a, credential: {kind: default}, quotas: {DescribeTasks: fast}}]`, []string{"wrong type"}},
		{"region malformed", `accounts: [{name: a, credential: {kind: default}, discover_regions: [Hangzhou]}]`,
			[]string{`account "a": discover_regions[0]: "Hangzhou" is not a region ID`}},
		{"region twice", `accounts: [{name: a, credential: {kind: default}, discover_regions: [cn-hangzhou, cn-hangzhou]}]`,
			[]string{`account "a": discover_regions[1]: cn-hangzhou listed twice`}},
		{"several problems", `accounts: [{name: a, credential: {kind: access_key, ` + keyRefs + `}, quotas: {X: 1}}, {name: B, credential: {kind: default}}]`,
			[]string{`account "a": quotas.X`, `accounts[1]: name "B"`}},
		{"YAML syntax", "accounts:\n  - name: a\n credential: {kind: default}", []string{"not valid YAML at line "}},
		{"JSON syntax", "{\"accounts\": [\n{\"name\": \"a\",}\n]}", []string{"not valid JSON at line 2"}},
	} {
		_, err := ecsapi.ParseAccounts([]byte(tc.doc))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", tc.name, err, w)
			}
		}
	}
}

func TestLoadAccounts(t *testing.T) {
	path := writeFile(t, "accounts.yaml", everyKind)
	af, err := ecsapi.LoadAccounts(path)
	if err != nil || len(af.Accounts) != 5 {
		t.Fatalf("LoadAccounts = %v, %v", af, err)
	}
	if _, err := ecsapi.LoadAccounts(path + ".missing"); err == nil || !strings.Contains(err.Error(), "accounts file") {
		t.Errorf("a missing file: %v", err)
	}
	bad := writeFile(t, "bad.yaml", "accounts: [{name: x}]")
	if _, err := ecsapi.LoadAccounts(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "credential.kind") {
		t.Errorf("a bad file: %v, want its path and the field", err)
	}
	huge := writeFile(t, "huge.yaml", "accounts: []\n"+strings.Repeat("#", 1<<20))
	if _, err := ecsapi.LoadAccounts(huge); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("a file over 1 MiB: %v", err)
	}
}

// Without an accounts file there is one unnamed account with the default chain.
func TestDefaultAccounts(t *testing.T) {
	d := ecsapi.DefaultAccounts()
	a, ok := d.Account("")
	if !ok || len(d.Accounts) != 1 || a.Credential.Kind != ecsapi.KindDefault || a.Quotas != nil || a.DiscoverRegions != nil {
		t.Fatalf("DefaultAccounts() = %+v", d)
	}
	useHome(t, nil)
	cred, err := ecsapi.NewAccountCredential(a)
	if err != nil {
		t.Fatal(err)
	}
	_, err = cred.GetCredential()
	if err == nil || !strings.HasPrefix(err.Error(), "alibaba cloud credentials unavailable; failed: env") {
		t.Errorf("the default account's failure reads %v, want the default chain's as before accounts", err)
	}
}

// writeFile writes content to a new file name in a temporary directory and returns its path.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// An accounts file names every account: the unnamed account is the one without a file.
func TestDefaultAccountsIsNotAFile(t *testing.T) {
	if err := ecsapi.DefaultAccounts().Validate(); err == nil || !strings.Contains(err.Error(), "name is missing") {
		t.Errorf("Validate of DefaultAccounts: %v, want the missing name", err)
	}
}
