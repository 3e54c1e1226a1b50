package ecsapi

import (
	"strings"
	"sync"

	"github.com/aliyun/credentials-go/credentials"
)

// credentialHint is the fixed advice of every credential error.
const credentialHint = "check ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, ~/.aliyun/config.json, ~/.alibabacloud/credentials " +
	"(or the files named by ALIBABA_CLOUD_CONFIG_FILE, ALIBABA_CLOUD_CREDENTIALS_FILE)"

// credentialError is a failure of the credential provider, described by fixed text only.
type credentialError struct{ summary string }

func (e *credentialError) Error() string { return e.summary }

// redactedCredential passes every call to a credentials.Credential and replaces the errors it
// returns with a *credentialError. The errors of credentials-go (v1.4.14) cannot be shown as
// they are: its default chain joins the messages of every provider into one string, and the
// CLI profile provider quotes the whole of a malformed ~/.aliyun/config.json, the profile
// provider the offending line of ~/.alibabacloud/credentials, secrets included. The SDK
// returns the credential's error unchanged, so convertError finds the *credentialError with
// errors.As.
//
// It is safe for concurrent use whatever the wrapped credential: it makes one call at a time.
// credentials-go's default chain (v1.4.14) is not safe: DefaultCredentialsProvider writes
// lastUsedProvider on every call without a lock, and the worker's calls share the credential.
// Its providers cache what they fetch, so one call at a time costs nothing noticeable.
type redactedCredential struct {
	credentials.Credential
	mu *sync.Mutex
	// subject and hint make the fixed text of the errors: what is unavailable, and what to
	// check (credentialHint for the default chain); label names it in String.
	subject, hint, label string
}

func newRedactedCredential(c credentials.Credential) redactedCredential {
	return redactedCredential{Credential: c, mu: new(sync.Mutex), subject: defaultSubject, hint: credentialHint, label: "credential"}
}

// defaultSubject starts the errors of the default chain.
const defaultSubject = "alibaba cloud credentials unavailable"

// newAccountRedactedCredential is newRedactedCredential for the credential of kind of the
// account called account (a valid account name, so fixed text).
func newAccountRedactedCredential(c credentials.Credential, account, kind string) redactedCredential {
	hint := "check the credential of account " + account + " in the accounts file (see docs/accounts.md)"
	if kind == KindDefault {
		hint = credentialHint
	}
	return redactedCredential{Credential: c, mu: new(sync.Mutex),
		subject: "alibaba cloud credentials of account " + account + " (" + kind + ") unavailable", hint: hint,
		label: "credential of account " + account + " (" + kind + ")"}
}

// GetCredential implements credentials.Credential.
func (r redactedCredential) GetCredential() (*credentials.CredentialModel, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := r.Credential.GetCredential()
	if err != nil {
		return nil, r.redact(err)
	}
	return m, nil
}

// GetAccessKeyId implements credentials.Credential. The SDK's request path only calls
// GetCredential; the deprecated getters are redacted too so that no caller can get the raw text.
func (r redactedCredential) GetAccessKeyId() (*string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	//lint:ignore SA1019 delegating the deprecated method, so that its errors are redacted too
	return r.redacted(r.Credential.GetAccessKeyId())
}

// GetAccessKeySecret implements credentials.Credential.
func (r redactedCredential) GetAccessKeySecret() (*string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	//lint:ignore SA1019 delegating the deprecated method, so that its errors are redacted too
	return r.redacted(r.Credential.GetAccessKeySecret())
}

// GetSecurityToken implements credentials.Credential.
func (r redactedCredential) GetSecurityToken() (*string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	//lint:ignore SA1019 delegating the deprecated method, so that its errors are redacted too
	return r.redacted(r.Credential.GetSecurityToken())
}

func (r redactedCredential) redacted(s *string, err error) (*string, error) {
	if err != nil {
		return nil, r.redact(err)
	}
	return s, nil
}

func (r redactedCredential) redact(err error) error {
	return &credentialError{summary: credentialFailureOf(err.Error(), r.subject, r.hint)}
}

// providerFailures recognise, by fixed fragments of credentials-go's messages, which providers
// of the default chain failed and, for the two files, whether the file was unreadable or
// malformed. What they recognise only chooses among fixed texts.
var providerFailures = []struct {
	name    string
	markers []string
	detail  func(msg string) string
}{
	{name: "env", markers: []string{"enviroment variables", "environment variables"}},
	{name: "oidc_role_arn", markers: []string{"OIDC", "oidc", "get session token failed", "RoleArn"}},
	{name: "cli_profile", markers: []string{"aliyun cli config", "configured profiles", "unable to get profile with", "profile mode", "source profile"},
		detail: func(msg string) string {
			if strings.Contains(msg, "unmarshal aliyun cli config") {
				return "config.json is not valid JSON"
			}
			return ""
		}},
	{name: "profile", markers: []string{"ERROR: Can not", "ERROR: Failed to get", "ERROR: Value can't be empty"},
		detail: func(msg string) string {
			// "ERROR: Can not open file" is followed by the error of os.Open ("open <path>: ...")
			// or by that of the INI parser, which quotes the file.
			_, rest, ok := strings.Cut(msg, "ERROR: Can not open file")
			switch {
			case !ok:
				return ""
			case !strings.HasPrefix(rest, "open "):
				return "credentials file is not valid INI"
			case !strings.Contains(rest, "no such file or directory"):
				return "credentials file unreadable"
			}
			return ""
		}},
	{name: "ecs_ram_role", markers: []string{"Ecs sts token", "get role name failed", "get metadata token failed", "IMDS"}},
	{name: "credential_uri", markers: []string{"get credentials from http", "refresh credentials from http"}},
}

// credentialFailure describes the error message msg of a failed credential provider with fixed
// text only: the names of the providers it recognises as failed and credentialHint. No part of
// msg is ever copied, so no secret quoted in it can leak into logs or /readyz.
func credentialFailure(msg string) string {
	return credentialFailureOf(msg, defaultSubject, credentialHint)
}

// soleFailures start the messages of a provider that fails alone, after a call whose answer
// follows (credentials-go's ram_role_arn provider quotes STS's error body, which can hold any
// text): such a message names that provider only.
var soleFailures = []struct{ name, prefix string }{
	{"ram_role_arn", "refresh session token failed"},
	{"ram_role_arn", "refresh RoleArn sts token err"},
}

// credentialFailureOf is credentialFailure with another subject and hint.
func credentialFailureOf(msg, subject, hint string) string {
	var failed []string
	for _, p := range soleFailures {
		if strings.HasPrefix(msg, p.prefix) {
			return subject + "; failed: " + p.name + "; details withheld as they can quote credential files; " + hint
		}
	}
	for _, p := range providerFailures {
		hit := false
		for _, m := range p.markers {
			if strings.Contains(msg, m) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		name := p.name
		if p.detail != nil {
			if d := p.detail(msg); d != "" {
				name += " (" + d + ")"
			}
		}
		failed = append(failed, name)
	}
	what := subject
	if len(failed) > 0 {
		what += "; failed: " + strings.Join(failed, ", ")
	}
	return what + "; details withheld as they can quote credential files; " + hint
}

// GetBearerToken implements credentials.Credential, one call at a time like the others.
func (r redactedCredential) GetBearerToken() *string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Credential.GetBearerToken()
}

// GetType implements credentials.Credential, one call at a time like the others.
func (r redactedCredential) GetType() *string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Credential.GetType()
}

// String describes the credential by fixed text only, so that printing it (%v, %+v) shows
// nothing of the wrapped credential, whose fields hold the secret.
func (r redactedCredential) String() string { return r.label }

// GoString is String, for %#v.
func (r redactedCredential) GoString() string { return r.String() }
