package ecsemu

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ActionAssumeRole is the STS action (API version 2015-04-01) the emulator serves beside ECS.
const ActionAssumeRole = "AssumeRole"

// stsHostID is the HostId of STS error bodies.
const stsHostID = "sts.aliyuncs.com"

// Bounds of AssumeRole's DurationSeconds and of a role's maximum session duration.
const (
	minSessionDuration     = 15 * time.Minute
	maxSessionDuration     = 12 * time.Hour
	defaultSessionDuration = time.Hour // DurationSeconds when absent, and a role's maximum when not set
)

// Role is a RAM role that AssumeRole can assume, by its ARN acs:ram::<AccountID>:role/<Name>.
// The key it issues belongs to AccountID: calls signed with it see that account's tasks.
type Role struct {
	AccountID string // the account of the role: 1 to 32 digits
	Name      string // 1 to 64 letters, digits, '.' or '-'; matched without regard to case
	// TrustedAccounts may assume the role besides AccountID itself, as the accounts a trust
	// policy names; the keys of any other account get 403 NoPermission.
	TrustedAccounts []string
	// ExternalID, if set, is the ExternalId every AssumeRole of the role must carry (the
	// sts:ExternalId condition of a trust policy); another or none gets 403 NoPermission.
	ExternalID string
	// MaxSessionDuration bounds DurationSeconds, from 15 minutes to 12 hours; zero means 1
	// hour, as for a new RAM role.
	MaxSessionDuration time.Duration
}

// ARN returns acs:ram::<AccountID>:role/<Name>.
func (r Role) ARN() string { return "acs:ram::" + r.AccountID + ":role/" + r.Name }

// WithRole makes role assumable through AssumeRole; it may be repeated.
func WithRole(role Role) Option {
	return func(c *config) {
		role.TrustedAccounts = slices.Clone(role.TrustedAccounts)
		c.roles = append(c.roles, role)
	}
}

// WithSTSLifetime makes every key AssumeRole issues expire d after it is issued, whatever
// DurationSeconds asked for (which is still checked), so that a test sees keys expire and be
// refreshed in seconds. Zero (the default) honours DurationSeconds, as STS does.
func WithSTSLifetime(d time.Duration) Option { return func(c *config) { c.stsLifetime = d } }

func (c *config) validateRoles() error {
	if c.stsLifetime < 0 {
		return fmt.Errorf("ecsemu: STS lifetime %v must not be negative", c.stsLifetime)
	}
	seen := map[string]bool{}
	for _, r := range c.roles {
		if !validAccountID(r.AccountID) || !validRoleName(r.Name) {
			return fmt.Errorf("ecsemu: role %q: want an account of 1 to 32 digits and a name of 1 to 64 letters, digits, '.' or '-'", r.ARN())
		}
		for _, a := range r.TrustedAccounts {
			if !validAccountID(a) {
				return fmt.Errorf("ecsemu: role %s: trusted account %q is not 1 to 32 digits", r.ARN(), a)
			}
		}
		if d := r.MaxSessionDuration; d != 0 && (d < minSessionDuration || d > maxSessionDuration) {
			return fmt.Errorf("ecsemu: role %s: maximum session duration %v outside 15m..12h", r.ARN(), d)
		}
		key := r.AccountID + "/" + strings.ToLower(r.Name)
		if seen[key] {
			return fmt.Errorf("ecsemu: role %s given twice", r.ARN())
		}
		seen[key] = true
	}
	return nil
}

func validRoleName(n string) bool {
	if n == "" || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// validSessionName reports whether n is a RoleSessionName STS takes: 2 to 64 letters, digits,
// '.', '@', '-' or '_'.
func validSessionName(n string) bool {
	if len(n) < 2 || len(n) > 64 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".@-_", c)) {
			return false
		}
	}
	return true
}

// parseRoleARN splits acs:ram::<account>:role/<name>.
func parseRoleARN(arn string) (account, name string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return "", "", false
	}
	account, name, ok = strings.Cut(rest, ":role/")
	if !ok || !validAccountID(account) || !validRoleName(name) {
		return "", "", false
	}
	return account, name, true
}

type assumeRoleResponse struct {
	RequestID       string          `json:"RequestId"`
	AssumedRoleUser assumedRoleUser `json:"AssumedRoleUser"`
	Credentials     stsCredentials  `json:"Credentials"`
}

type assumedRoleUser struct {
	Arn           string `json:"Arn"`
	AssumedRoleID string `json:"AssumedRoleId"`
}

// stsCredentials is the key AssumeRole issues, in the shape credentials-go (v1.4.14,
// providers/ram_role_arn.go) decodes: Expiration is UTC, 2006-01-02T15:04:05Z.
type stsCredentials struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

// assumeRole answers STS AssumeRole: a new key of the role's account, with its token, valid
// for DurationSeconds (or WithSTSLifetime), if the caller's account may assume the role.
func (s *Server) assumeRole(req *request, now time.Time, requestID string) (any, *apiError) {
	p := req.params
	r := paramReader{p: p}
	arn, session := r.required("RoleArn"), r.required("RoleSessionName")
	if r.err != nil {
		return nil, r.err
	}
	account, name, ok := parseRoleARN(arn)
	if !ok {
		return nil, errorFor(CodeInvalidRoleArn, "")
	}
	if !validSessionName(session) {
		return nil, errorFor(CodeInvalidSessionName, "")
	}
	duration := defaultSessionDuration
	if v := p.Get("DurationSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return nil, errorFor(CodeInvalidDuration, "")
		}
		duration = time.Duration(n) * time.Second
	}
	role, ok := s.role(account, name)
	if !ok {
		return nil, errorFor(CodeRoleNotFound, "")
	}
	limit := cmp.Or(role.MaxSessionDuration, defaultSessionDuration)
	if duration < minSessionDuration || duration > limit {
		return nil, errorFor(CodeInvalidDuration, "")
	}
	if (req.account != role.AccountID && !slices.Contains(role.TrustedAccounts, req.account)) ||
		(role.ExternalID != "" && p.Get("ExternalId") != role.ExternalID) {
		return nil, errorFor(CodeNoPermission, "")
	}
	lifetime := cmp.Or(s.cfg.stsLifetime, duration)
	expires := now.Add(lifetime).UTC().Truncate(time.Second)
	id, secret, token := s.auth.temp.issue(role.AccountID, expires, now)
	return assumeRoleResponse{
		RequestID: requestID,
		AssumedRoleUser: assumedRoleUser{
			Arn:           role.ARN() + "/" + session,
			AssumedRoleID: strconv.FormatUint(1e16+rand.Uint64N(9e16), 10) + ":" + session,
		},
		Credentials: stsCredentials{AccessKeyID: id, AccessKeySecret: secret, SecurityToken: token, Expiration: expires.Format(timeLayout)},
	}, nil
}

// role finds the role name of account, without regard to the case of name.
func (s *Server) role(account, name string) (Role, bool) {
	for _, r := range s.cfg.roles {
		if r.AccountID == account && strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return Role{}, false
}
