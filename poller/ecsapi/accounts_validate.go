package ecsapi

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// Session durations STS allows.
const (
	minRoleSession = 15 * time.Minute
	maxRoleSession = 12 * time.Hour
)

// Validate reports every problem of the file, joined, each naming the account (by name, or
// by index when it has no valid name) and the field: no account, a name missing, malformed
// or given twice, a credential that its kind does not allow or that lacks a required field,
// a quota for an unknown API or not > 0, a malformed or repeated region.
func (f AccountsFile) Validate() error {
	if len(f.Accounts) == 0 {
		return errors.New("accounts: the file lists no account")
	}
	var problems []error
	seen := map[string]bool{}
	for i, a := range f.Accounts {
		label := accountLabel(f, i)
		switch {
		case a.Name == "":
			problems = append(problems, fmt.Errorf("%s: name is missing", label))
		case !validAccountName(a.Name):
			problems = append(problems, fmt.Errorf("%s: name %q: want 1 to 32 of a-z, 0-9 and -", label, a.Name))
		case seen[a.Name]:
			problems = append(problems, fmt.Errorf("%s: name given to more than one account", label))
		}
		seen[a.Name] = true
		problems = append(problems, a.problems(label)...)
	}
	return errors.Join(problems...)
}

// problems lists what is wrong in a, each error prefixed with label.
func (a Account) problems(label string) []error {
	var out []error
	add := func(field, format string, args ...any) {
		out = append(out, fmt.Errorf("%s: %s: %s", label, field, fmt.Sprintf(format, args...)))
	}
	a.Credential.check("credential", false, add)
	for _, api := range slices.Sorted(maps.Keys(a.Quotas)) {
		q := a.Quotas[api]
		switch {
		case api != APIDescribeTaskAttribute && api != APIDescribeTasks && api != APICancelTask:
			add("quotas."+api, "unknown API; want %s, %s or %s", APIDescribeTaskAttribute, APIDescribeTasks, APICancelTask)
		case !(q > 0) || math.IsInf(q, 0):
			add("quotas."+api, "%v calls/s: want a number > 0", q)
		}
	}
	regions := map[string]bool{}
	for i, r := range a.DiscoverRegions {
		field := fmt.Sprintf("discover_regions[%d]", i)
		switch {
		case !validRegionID(r):
			add(field, "%q is not a region ID such as cn-hangzhou", r)
		case regions[r]:
			add(field, "%s listed twice", r)
		}
		regions[r] = true
	}
	return out
}

// fieldsOf lists the fields of c that are set, by their names in the file, with the kinds
// they apply to.
func (c CredentialSpec) fieldsOf() []struct {
	name  string
	set   bool
	kinds []string
} {
	roles := []string{KindRAMRoleARN, KindOIDCRoleARN}
	return []struct {
		name  string
		set   bool
		kinds []string
	}{
		{"access_key_id", c.AccessKeyID != nil, []string{KindAccessKey}},
		{"access_key_secret", c.AccessKeySecret != nil, []string{KindAccessKey}},
		{"security_token", c.SecurityToken != nil, []string{KindAccessKey}},
		{"role_arn", c.RoleARN != "", roles},
		{"session_name", c.SessionName != "", roles},
		{"duration", c.Duration != "", roles},
		{"sts_endpoint", c.STSEndpoint != "", roles},
		{"external_id", c.ExternalID != "", []string{KindRAMRoleARN}},
		{"source", c.Source != nil, []string{KindRAMRoleARN}},
		{"oidc_provider_arn", c.OIDCProviderARN != "", []string{KindOIDCRoleARN}},
		{"oidc_token_file", c.OIDCTokenFile != "", []string{KindOIDCRoleARN}},
		{"role_name", c.RoleName != "", []string{KindECSRAMRole}},
	}
}

// secretRefs are the references of an access_key credential, by their names in the file.
func (c CredentialSpec) secretRefs() []struct {
	name string
	ref  *SecretRef
} {
	return []struct {
		name string
		ref  *SecretRef
	}{{"access_key_id", c.AccessKeyID}, {"access_key_secret", c.AccessKeySecret}, {"security_token", c.SecurityToken}}
}

// check reports through add what is wrong in c, found at path; asSource is set for the
// source of a ram_role_arn, which may not be a ram_role_arn itself.
func (c CredentialSpec) check(path string, asSource bool, add func(field, format string, args ...any)) {
	kinds := []string{KindDefault, KindAccessKey, KindRAMRoleARN, KindOIDCRoleARN, KindECSRAMRole}
	switch {
	case c.Kind == "":
		add(path+".kind", "missing; want one of %s", strings.Join(kinds, ", "))
		return
	case !slices.Contains(kinds, c.Kind):
		add(path+".kind", "%q: want one of %s", c.Kind, strings.Join(kinds, ", "))
		return
	case asSource && c.Kind == KindRAMRoleARN:
		add(path+".kind", "a role's source cannot be a ram_role_arn itself")
		return
	}
	for _, f := range c.fieldsOf() {
		if f.set && !slices.Contains(f.kinds, c.Kind) {
			add(path+"."+f.name, "does not apply to kind %s", c.Kind)
		}
	}
	required := func(name string, ok bool) {
		if !ok {
			add(path+"."+name, "required for kind %s", c.Kind)
		}
	}
	match := func(name, v string, valid func(string) bool, want string) {
		if v != "" && !valid(v) {
			add(path+"."+name, "%q: want %s", v, want)
		}
	}
	switch c.Kind {
	case KindAccessKey:
		required("access_key_id", c.AccessKeyID != nil)
		required("access_key_secret", c.AccessKeySecret != nil)
		for _, r := range c.secretRefs() {
			if r.ref != nil {
				r.ref.check(path+"."+r.name, add)
			}
		}
	case KindRAMRoleARN, KindOIDCRoleARN:
		required("role_arn", c.RoleARN != "")
		match("role_arn", c.RoleARN, validRoleARN, "acs:ram::<account-uid>:role/<name>")
		match("session_name", c.SessionName, validSessionName, "2 to 64 of A-Z, a-z, 0-9, '.', '@', '-', '_'")
		match("external_id", c.ExternalID, validExternalID, "2 to 1224 of A-Z, a-z, 0-9 and =,.@:/-_")
		match("sts_endpoint", c.STSEndpoint, validSTSEndpoint, "host[:port], without a scheme (credentials-go calls STS over HTTPS)")
		if c.Duration != "" {
			if _, err := roleDuration(c.Duration); err != nil {
				add(path+".duration", "%v", err)
			}
		}
		if c.Kind == KindOIDCRoleARN {
			required("oidc_provider_arn", c.OIDCProviderARN != "")
			match("oidc_provider_arn", c.OIDCProviderARN, validOIDCProviderARN, "acs:ram::<account-uid>:oidc-provider/<name>")
			required("oidc_token_file", c.OIDCTokenFile != "")
		}
		if c.Source != nil {
			c.Source.check(path+".source", true, add)
		}
	case KindECSRAMRole:
		match("role_name", c.RoleName, validRAMRoleName, "1 to 64 of A-Z, a-z, 0-9, '.', '-'")
	}
}

// check reports through add what is wrong in the reference r found at path.
func (r SecretRef) check(path string, add func(field, format string, args ...any)) {
	switch {
	case r.inline:
		add(path, "an inline value is refused, so that no secret sits in the accounts file; write {env: NAME} or {file: PATH}")
		return
	case len(r.unknown) > 0:
		add(path, "unknown field %s; want env or file", strings.Join(r.unknown, ", "))
	case (r.Env == "") == (r.File == ""):
		add(path, "want exactly one of env and file")
	}
	if r.Env != "" && !validEnvName(r.Env) {
		add(path+".env", "%q is not an environment variable name", r.Env)
	}
}

// roleDuration parses the duration of a role session: a Go duration of whole seconds from
// 15m to 12h.
func roleDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 1h", s)
	}
	if d%time.Second != 0 || d < minRoleSession || d > maxRoleSession {
		return 0, fmt.Errorf("%s: want whole seconds from 15m to 12h", s)
	}
	return d, nil
}
