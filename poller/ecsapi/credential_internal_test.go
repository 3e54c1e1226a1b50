package ecsapi

import (
	"strings"
	"testing"
)

// credentialFailure names the failed providers from credentials-go's messages (as seen with
// v1.4.14) and copies nothing of them.
func TestCredentialFailure(t *testing.T) {
	const secret = "S3CR3T"
	for _, tc := range []struct {
		msg, want string
	}{
		{"unable to get credentials from any of the providers in the chain: unable to get credentials from enviroment variables, " +
			"Access key ID must be specified via environment variable (ALIBABA_CLOUD_ACCESS_KEY_ID), unmarshal aliyun cli config from " +
			"'/home/u/.aliyun/config.json' failed: {\"access_key_secret\":\"" + secret + "\", ERROR: Can not open fileopen " +
			"/home/u/.alibabacloud/credentials: no such file or directory",
			"failed: env, cli_profile (config.json is not valid JSON), profile;"},
		{"ERROR: Can not open filekey-value delimiter not found: " + secret + "\n",
			"failed: profile (credentials file is not valid INI);"},
		{"ERROR: Can not open fileopen /h/.alibabacloud/credentials: no such file or directory", "failed: profile;"},
		{"ERROR: Can not open fileopen /h/.alibabacloud/credentials: permission denied", "failed: profile (credentials file unreadable);"},
		{"refresh Ecs sts token err, httpStatus: 500, message = " + secret, "failed: ecs_ram_role;"},
		{"get credentials from http://127.0.0.1/c failed: " + secret, "failed: credential_uri;"},
		{"get session token failed: " + secret, "failed: oidc_role_arn;"},
		{secret, "alibaba cloud credentials unavailable; details withheld"},
	} {
		got := credentialFailure(tc.msg)
		if strings.Contains(got, secret) {
			t.Errorf("credentialFailure(%q) = %q: copies the secret", tc.msg, got)
		}
		if !strings.Contains(got, tc.want) || !strings.HasSuffix(got, credentialHint) {
			t.Errorf("credentialFailure(%q) = %q, want it to contain %q and end with the hint", tc.msg, got, tc.want)
		}
	}
}
