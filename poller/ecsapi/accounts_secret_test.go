package ecsapi_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/alibabacloud-go/tea/tea"

	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// An inline secret is refused, and neither that refusal nor any syntax error quotes it.
func TestAccountsFileNeverQuotesASecret(t *testing.T) {
	for name, doc := range map[string]string{
		"inline secret":       `accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: A}, access_key_secret: "` + planted + `"}}]`,
		"inline token":        `accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: A}, access_key_secret: {env: B}, security_token: ` + planted + `}}]`,
		"inline in JSON":      `{"accounts": [{"name": "a", "credential": {"kind": "access_key", "access_key_id": "` + planted + `", "access_key_secret": {"env": "B"}}}]}`,
		"secret as a key":     `accounts: [{name: a, credential: {kind: default}, ? [` + planted + `] : 1}]`,
		"unterminated string": "accounts:\n- name: a\n  credential: {kind: access_key, access_key_secret: \"" + planted,
		"bad escape":          `accounts: [{name: "a\` + planted + `"}]`,
		"duplicate secret":    "accounts: [{name: a, credential: {kind: default}}]\n" + planted + ": 1\n" + planted + ": 2",
		"JSON syntax":         `{"accounts": [{"name": "a", "credential": {"kind": "access_key", "access_key_secret": "` + planted + `" x}}]}`,
		"secret as a number":  `accounts: [{name: a, credential: {kind: default}, quotas: {DescribeTasks: "` + planted + `"}}]`,
		"secret as a list":    `accounts: [{name: a, credential: {kind: access_key, access_key_id: [` + planted + `], access_key_secret: {env: B}}}]`,
	} {
		_, err := ecsapi.ParseAccounts([]byte(doc))
		if err == nil {
			t.Errorf("%s: accepted", name)
			continue
		}
		if strings.Contains(err.Error(), planted) {
			t.Errorf("%s: %q quotes the secret", name, err)
		}
	}
	_, err := ecsapi.ParseAccounts([]byte(`accounts: [{name: a, credential: {kind: access_key, access_key_id: {env: A}, access_key_secret: "x"}}]`))
	if err == nil || !strings.Contains(err.Error(), `account "a": credential.access_key_secret: an inline value is refused`) {
		t.Errorf("inline secret: %v, want the account, the field and why", err)
	}
}

// A credential built from the file reads its secrets from the environment and files, and
// neither the file's values, the credential, nor an error of building it shows them.
func TestAccountCredentialHidesSecrets(t *testing.T) {
	secretFile := writeFile(t, "secret", "  "+planted+"-FILE\n")
	t.Setenv("ACCT_AK_ID", "AKID-A")
	t.Setenv("ACCT_TOKEN", planted+"-TOKEN")
	af, err := ecsapi.ParseAccounts([]byte(`
accounts:
  - name: keys
    credential: {kind: access_key, access_key_id: {env: ACCT_AK_ID}, access_key_secret: {file: ` + secretFile + `}}
  - name: sts
    credential: {kind: access_key, access_key_id: {env: ACCT_AK_ID}, access_key_secret: {file: ` + secretFile + `}, security_token: {env: ACCT_TOKEN}}
  - name: unset
    credential: {kind: access_key, access_key_id: {env: ACCT_AK_ID}, access_key_secret: {env: ACCT_NOT_SET}}
  - name: empty
    credential: {kind: access_key, access_key_id: {env: ACCT_AK_ID}, access_key_secret: {file: ` + writeFile(t, "empty", "\n") + `}}
  - name: missing
    credential: {kind: access_key, access_key_id: {env: ACCT_AK_ID}, access_key_secret: {file: ` + secretFile + `.gone}}
`))
	if err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, a := range af.Accounts {
		shown = append(shown, fmt.Sprintf("%v %+v %#v %s", a, a, a, a.Credential.AccessKeySecret))
	}
	shown = append(shown, fmt.Sprintf("%v %+v %#v", af, af, af))
	keys, _ := af.Account("keys")
	cred, err := ecsapi.NewAccountCredential(keys)
	if err != nil {
		t.Fatal(err)
	}
	m, err := cred.GetCredential()
	if err != nil || tea.StringValue(m.AccessKeyId) != "AKID-A" || tea.StringValue(m.AccessKeySecret) != planted+"-FILE" || tea.StringValue(m.SecurityToken) != "" {
		t.Errorf("keys: %v %v, want AKID-A and the file's secret, trimmed", m, err)
	}
	shown = append(shown, fmt.Sprintf("%v %+v %#v %s", cred, cred, cred, cred))
	sts, _ := af.Account("sts")
	if cred, err := ecsapi.NewAccountCredential(sts); err != nil {
		t.Error(err)
	} else if m, err := cred.GetCredential(); err != nil || tea.StringValue(m.SecurityToken) != planted+"-TOKEN" {
		t.Errorf("sts: %v %v, want the token", m, err)
	}
	for name, want := range map[string]string{
		"unset":   `account "unset": credential.access_key_secret: environment variable ACCT_NOT_SET is not set or empty`,
		"empty":   `account "empty": credential.access_key_secret: file `,
		"missing": `account "missing": credential.access_key_secret: cannot read the file`,
	} {
		a, _ := af.Account(name)
		_, err := ecsapi.NewAccountCredential(a)
		if err == nil || !strings.HasPrefix(err.Error(), want) {
			t.Errorf("%s: %v, want %q...", name, err, want)
			continue
		}
		shown = append(shown, err.Error())
	}
	for _, s := range shown {
		if strings.Contains(s, planted) {
			t.Errorf("a secret is shown: %s", s)
		}
	}
}

// Every kind builds without a call: STS and the metadata service are asked at the first
// signed call only. Not parallel: the chain reads HOME and the environment.
func TestNewAccountCredentialBuildsEveryKind(t *testing.T) {
	useHome(t, nil)
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "")
	for _, k := range []string{"KEYS_AK_ID", "KEYS_TOKEN", "HUB_AK_ID", "HUB_AK_SECRET"} {
		t.Setenv(k, "v-"+k)
	}
	doc := strings.Replace(everyKind, "{file: /run/secrets/keys/secret}", "{file: "+writeFile(t, "s", "v")+"}", 1)
	af, err := ecsapi.ParseAccounts([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range af.Accounts {
		cred, err := ecsapi.NewAccountCredential(a)
		if err != nil {
			t.Errorf("%s: %v", a.Name, err)
			continue
		}
		if got, want := fmt.Sprint(cred), "credential of account "+a.Name+" ("+a.Credential.Kind+")"; got != want {
			t.Errorf("%s: prints as %q, want %q", a.Name, got, want)
		}
		if got := tea.StringValue(cred.GetType()); got != a.Credential.Kind {
			t.Errorf("%s: type %q, want %q", a.Name, got, a.Credential.Kind)
		}
	}
	// credentials-go refuses an instance role when the metadata service is disabled.
	t.Setenv("ALIBABA_CLOUD_ECS_METADATA_DISABLED", "true")
	inst, _ := af.Account("instance")
	if _, err := ecsapi.NewAccountCredential(inst); err == nil || !strings.HasPrefix(err.Error(), `account "instance": credential: ecs_ram_role: `) {
		t.Errorf("instance role with the metadata service disabled: %v", err)
	}
}
