package ecsapi

import (
	"fmt"
	"strings"
)

// Kinds of credential an account of the accounts file can have; each is built with
// github.com/aliyun/credentials-go (see NewAccountCredential).
const (
	KindDefault     = "default"       // credentials-go's default chain
	KindAccessKey   = "access_key"    // an access key (and STS token) read from env vars or files
	KindRAMRoleARN  = "ram_role_arn"  // a RAM role assumed through STS AssumeRole
	KindOIDCRoleARN = "oidc_role_arn" // RRSA: a RAM role assumed with an OIDC token (AssumeRoleWithOIDC)
	KindECSRAMRole  = "ecs_ram_role"  // the RAM role of the ECS instance, from its metadata service
)

// APIs whose calls an account's quotas bound.
const (
	APIDescribeTaskAttribute = "DescribeTaskAttribute"
	APIDescribeTasks         = "DescribeTasks"
	APICancelTask            = "CancelTask"
)

// AccountsFile is an accounts file (--accounts, YAML or JSON): the Alibaba Cloud accounts one
// fleet serves, each with how to reach it. See docs/accounts.md for the format. It holds no
// secret: keys and tokens are named by the environment variable or file that holds them,
// and read only by NewAccountCredential, so printing an AccountsFile (%v, %+v, String) shows
// none. Values are plain data: copy them freely; not safe for concurrent mutation.
type AccountsFile struct {
	Accounts []Account `json:"accounts"`
}

// Account is one account of an AccountsFile.
type Account struct {
	// Name names the account in registrations, events and metrics: 1 to 32 of a-z, 0-9 and
	// '-', unique in the file. The unnamed account of DefaultAccounts has "".
	Name string `json:"name"`
	// Credential says how calls to this account are signed.
	Credential CredentialSpec `json:"credential"`
	// Quotas are the calls per second this account's calls of each API may make in each
	// region (keys: DescribeTaskAttribute, DescribeTasks, CancelTask); an API not named keeps
	// the worker's own limit.
	Quotas map[string]float64 `json:"quotas,omitempty"`
	// DiscoverRegions are the regions whose tasks discovery lists for this account; empty
	// leaves the worker's own setting.
	DiscoverRegions []string `json:"discover_regions,omitempty"`
}

// CredentialSpec says how to build an account's credential. Kind picks the fields that apply;
// a field of another kind is refused. See docs/accounts.md.
type CredentialSpec struct {
	Kind string `json:"kind"` // KindDefault, KindAccessKey, KindRAMRoleARN, KindOIDCRoleARN or KindECSRAMRole

	// access_key: where the key ID, its secret and an optional STS token are read from.
	AccessKeyID     *SecretRef `json:"access_key_id,omitempty"`
	AccessKeySecret *SecretRef `json:"access_key_secret,omitempty"`
	SecurityToken   *SecretRef `json:"security_token,omitempty"`

	// ram_role_arn and oidc_role_arn: the role (acs:ram::<account-uid>:role/<name>), the
	// session name (default "taskpoller-<account name>"), the lifetime of each temporary key
	// (a Go duration from 15m to 12h, whole seconds; default 1h) and the STS endpoint
	// (host[:port]; credentials-go calls it over HTTPS; default sts.aliyuncs.com).
	RoleARN     string `json:"role_arn,omitempty"`
	SessionName string `json:"session_name,omitempty"`
	Duration    string `json:"duration,omitempty"`
	STSEndpoint string `json:"sts_endpoint,omitempty"`

	// ram_role_arn: the external ID the role's trust policy requires, and the credential
	// that assumes the role (any kind but ram_role_arn; default: the default chain).
	ExternalID string          `json:"external_id,omitempty"`
	Source     *CredentialSpec `json:"source,omitempty"`

	// oidc_role_arn (RRSA): the OIDC provider (acs:ram::<account-uid>:oidc-provider/<name>)
	// and the file holding the OIDC token, re-read at each refresh.
	OIDCProviderARN string `json:"oidc_provider_arn,omitempty"`
	OIDCTokenFile   string `json:"oidc_token_file,omitempty"`

	// ecs_ram_role: the instance's RAM role; empty asks the metadata service for it.
	RoleName string `json:"role_name,omitempty"`
}

// SecretRef names where a secret value is: exactly one of an environment variable (Env) or
// a file (File, its content without surrounding white space). The value itself never sits in
// the accounts file: a plain string there is refused.
type SecretRef struct {
	Env  string `json:"env,omitempty"`
	File string `json:"file,omitempty"`

	inline  bool     // the file gave a value instead of a reference
	unknown []string // fields besides env and file
}

// String describes where the value is, never the value: "env:NAME" or "file:PATH".
func (r SecretRef) String() string {
	switch {
	case r.inline:
		return "inline (refused)"
	case r.Env != "":
		return "env:" + r.Env
	}
	return "file:" + r.File
}

// DefaultAccounts is what a worker serves without an accounts file: one unnamed account
// whose calls are signed by credentials-go's default chain, as before accounts existed.
// NewAccountCredential builds its credential as New builds the default one. It is not a file:
// Validate, which requires every account of a file to be named, refuses it.
func DefaultAccounts() AccountsFile {
	return AccountsFile{Accounts: []Account{{Credential: CredentialSpec{Kind: KindDefault}}}}
}

// Account returns the account called name ("" for the unnamed default account).
func (f AccountsFile) Account(name string) (Account, bool) {
	for _, a := range f.Accounts {
		if a.Name == name {
			return a, true
		}
	}
	return Account{}, false
}

// Names returns the names of the accounts, in the file's order.
func (f AccountsFile) Names() []string {
	out := make([]string, len(f.Accounts))
	for i, a := range f.Accounts {
		out[i] = a.Name
	}
	return out
}

// String lists the accounts and the kinds of their credentials, e.g. "prod-eu (ram_role_arn),
// staging (access_key)".
func (f AccountsFile) String() string {
	parts := make([]string, len(f.Accounts))
	for i, a := range f.Accounts {
		parts[i] = a.String()
	}
	return strings.Join(parts, ", ")
}

// String is the account's name and the kind of its credential.
func (a Account) String() string {
	name := a.Name
	if name == "" {
		name = "(default)"
	}
	return fmt.Sprintf("%s (%s)", name, a.Credential.Kind)
}
