package ecsapi

import (
	"strings"
	"testing"
)

// A role's refused AssumeRole names the ram_role_arn provider alone, whatever STS's body (which
// credentials-go quotes) holds, and copies nothing of it.
func TestRoleFailureNamesTheRoleOnly(t *testing.T) {
	const secret = "S3CR3T"
	for _, msg := range []string{
		`refresh session token failed: {"Code":"NoPermission","Message":"RoleArn OIDC ` + secret + `"}`,
		"refresh RoleArn sts token err, json.Unmarshal fail: " + secret,
	} {
		got := credentialFailureOf(msg, "subject", "hint")
		if want := "subject; failed: ram_role_arn; details withheld as they can quote credential files; hint"; got != want {
			t.Errorf("credentialFailureOf(%q) = %q, want %q", msg, got, want)
		}
		if strings.Contains(got, secret) {
			t.Errorf("%q copies the secret", got)
		}
	}
}
