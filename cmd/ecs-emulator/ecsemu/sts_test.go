package ecsemu_test

import (
	"encoding/json"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
)

// roleOfB is a role of account B that account A may assume.
var roleOfB = ecsemu.Role{AccountID: accountB, Name: "TaskPoller", TrustedAccounts: []string{accountA}}

// issued is the Credentials object of an AssumeRole answer.
type issued struct {
	AccessKeyID     string `json:"AccessKeyId"`
	AccessKeySecret string `json:"AccessKeySecret"`
	SecurityToken   string `json:"SecurityToken"`
	Expiration      string `json:"Expiration"`
}

// assumeRole calls AssumeRole over plain HTTP through the generic OpenAPI client (legacy
// HMAC-SHA1 signature, parameters in the query, as RPC calls are made), signed by ak.
func assumeRole(t *testing.T, srv *ecsemu.Server, ak, secret string, q map[string]string) (issued, error) {
	t.Helper()
	cl, err := openapi.NewClient(&openapiutil.Config{
		AccessKeyId: tea.String(ak), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(srv.Endpoint()), Protocol: tea.String("http"), ReadTimeout: tea.Int(10000),
	})
	if err != nil {
		t.Fatal(err)
	}
	query := map[string]*string{}
	for k, v := range q {
		query[k] = tea.String(v)
	}
	res, err := cl.DoRPCRequest(tea.String(ecsemu.ActionAssumeRole), tea.String("2015-04-01"), tea.String("HTTP"), tea.String("POST"),
		tea.String("AK"), tea.String("json"), &openapiutil.OpenApiRequest{Query: query}, &dara.RuntimeOptions{})
	if err != nil {
		return issued{}, err
	}
	raw, err := json.Marshal(res["body"])
	if err != nil {
		t.Fatal(err)
	}
	var body struct{ Credentials issued }
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("AssumeRole answer %s: %v", raw, err)
	}
	return body.Credentials, nil
}

// credentials-go's RAM role provider, pointed at the emulator's HTTPS listener, gets a key of
// the role's account: ECS calls signed with it see that account's tasks, and the provider
// keeps the key while it is far from expiring (one AssumeRole for many calls).
func TestAssumeRoleWithCredentialsGo(t *testing.T) {
	srv, _, _ := twoAccounts(t, ecsemu.WithTLS("127.0.0.1:0"), ecsemu.WithRole(roleOfB))
	ofA, ofB := addScripted(t, srv, accountA), addScripted(t, srv, accountB)
	p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
		WithAccessKeyId("ak-a").WithAccessKeySecret("secret-a").
		WithRoleArn(roleOfB.ARN()).WithRoleSessionName("emulator-test").WithDurationSeconds(900).
		WithStsEndpoint(srv.TLSEndpoint()).Build()
	if err != nil {
		t.Fatal(err)
	}
	cred := credentials.FromCredentialsProvider("ram_role_arn", p)
	m, err := cred.GetCredential()
	if err != nil {
		t.Fatalf("GetCredential: %v", err)
	}
	c := newClient(t, srv, clientOpts{ak: tea.StringValue(m.AccessKeyId), secret: tea.StringValue(m.AccessKeySecret), token: tea.StringValue(m.SecurityToken)})
	for range 3 {
		if _, err := describe(c, "cn-hangzhou", ofB); err != nil {
			t.Fatalf("the role's account's task: %v", err)
		}
	}
	if _, err := describe(c, "cn-hangzhou", ofA); err == nil {
		t.Error("the role's key sees a task of the caller's account")
	}
	if again, err := cred.GetCredential(); err != nil || tea.StringValue(again.AccessKeyId) != tea.StringValue(m.AccessKeyId) {
		t.Errorf("a second GetCredential gave %v, %v: want the same key, kept", again, err)
	}
	if n := srv.CallCount(ecsemu.ActionAssumeRole); n != 1 {
		t.Errorf("%d AssumeRole calls, want 1", n)
	}
}

// An issued key is accepted with its token until it expires, then answered
// InvalidSecurityToken.Expired; its Expiration says when, to the second.
func TestIssuedKeyExpires(t *testing.T) {
	start := time.Now().UTC().Truncate(time.Second)
	clock := &manualClock{now: start}
	srv, _, _ := twoAccounts(t, ecsemu.WithRole(roleOfB), ecsemu.WithClock(clock.Now), ecsemu.WithSTSLifetime(5*time.Minute))
	ofB := addScripted(t, srv, accountB)
	key, err := assumeRole(t, srv, "ak-a", "secret-a", map[string]string{"RoleArn": roleOfB.ARN(), "RoleSessionName": "s1", "DurationSeconds": "3600"})
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(5 * time.Minute).Format("2006-01-02T15:04:05Z"); key.Expiration != want {
		t.Errorf("Expiration %s, want %s (WithSTSLifetime wins over DurationSeconds)", key.Expiration, want)
	}
	c := newClient(t, srv, clientOpts{ak: key.AccessKeyID, secret: key.AccessKeySecret, token: key.SecurityToken})
	clock.set(start.Add(5*time.Minute - time.Second))
	if _, err := describe(c, "cn-hangzhou", ofB); err != nil {
		t.Fatalf("a second before it expires: %v", err)
	}
	wrong := newClient(t, srv, clientOpts{ak: key.AccessKeyID, secret: key.AccessKeySecret, token: key.SecurityToken + "x"})
	if _, err := describe(wrong, "cn-hangzhou", ofB); err == nil {
		t.Error("another token accepted")
	} else if code, _ := sdkCode(t, err); code != ecsemu.CodeSecurityTokenMismatch {
		t.Errorf("another token: %s, want %s", code, ecsemu.CodeSecurityTokenMismatch)
	}
	clock.set(start.Add(5 * time.Minute))
	_, err = describe(c, "cn-hangzhou", ofB)
	if err == nil {
		t.Fatal("an expired key accepted")
	}
	if code, status := sdkCode(t, err); code != ecsemu.CodeSecurityTokenExpired || status != 400 {
		t.Errorf("expired key: %s %d, want 400 %s", code, status, ecsemu.CodeSecurityTokenExpired)
	}
}

// AssumeRole refuses what STS refuses, with its codes and statuses.
func TestAssumeRoleErrors(t *testing.T) {
	withID := ecsemu.Role{AccountID: accountB, Name: "external", TrustedAccounts: []string{accountA}, ExternalID: "abc-123"}
	long := ecsemu.Role{AccountID: accountB, Name: "long", TrustedAccounts: []string{accountA}, MaxSessionDuration: 12 * time.Hour}
	srv, _, _ := twoAccounts(t, ecsemu.WithRole(roleOfB), ecsemu.WithRole(withID), ecsemu.WithRole(long),
		ecsemu.WithAccountCredentials("3333333333333333", "ak-c", "secret-c"))
	arn := roleOfB.ARN()
	for _, tc := range []struct {
		name   string
		ak     string
		q      map[string]string
		code   string
		status int
	}{
		{"no RoleArn", "ak-a", map[string]string{"RoleSessionName": "s1"}, ecsemu.CodeMissingParameter, 400},
		{"no RoleSessionName", "ak-a", map[string]string{"RoleArn": arn}, ecsemu.CodeMissingParameter, 400},
		{"malformed ARN", "ak-a", map[string]string{"RoleArn": "acs:ram::B:role/x", "RoleSessionName": "s1"}, ecsemu.CodeInvalidRoleArn, 400},
		{"session name too short", "ak-a", map[string]string{"RoleArn": arn, "RoleSessionName": "s"}, ecsemu.CodeInvalidSessionName, 400},
		{"session name with a space", "ak-a", map[string]string{"RoleArn": arn, "RoleSessionName": "a b"}, ecsemu.CodeInvalidSessionName, 400},
		{"unknown role", "ak-a", map[string]string{"RoleArn": "acs:ram::" + accountB + ":role/nope", "RoleSessionName": "s1"}, ecsemu.CodeRoleNotFound, 404},
		{"untrusted account", "ak-c", map[string]string{"RoleArn": arn, "RoleSessionName": "s1"}, ecsemu.CodeNoPermission, 403},
		{"duration under 15 min", "ak-a", map[string]string{"RoleArn": arn, "RoleSessionName": "s1", "DurationSeconds": "899"}, ecsemu.CodeInvalidDuration, 400},
		{"duration over the role's hour", "ak-a", map[string]string{"RoleArn": arn, "RoleSessionName": "s1", "DurationSeconds": "3601"}, ecsemu.CodeInvalidDuration, 400},
		{"duration not a number", "ak-a", map[string]string{"RoleArn": arn, "RoleSessionName": "s1", "DurationSeconds": "1h"}, ecsemu.CodeInvalidDuration, 400},
		{"external ID missing", "ak-a", map[string]string{"RoleArn": withID.ARN(), "RoleSessionName": "s1"}, ecsemu.CodeNoPermission, 403},
		{"external ID wrong", "ak-a", map[string]string{"RoleArn": withID.ARN(), "RoleSessionName": "s1", "ExternalId": "abc-124"}, ecsemu.CodeNoPermission, 403},
		{"external ID right", "ak-a", map[string]string{"RoleArn": withID.ARN(), "RoleSessionName": "s1", "ExternalId": "abc-123"}, "", 0},
		{"own account, name in another case", "ak-b", map[string]string{"RoleArn": "acs:ram::" + accountB + ":role/taskpoller", "RoleSessionName": "s1"}, "", 0},
		{"12 h on a role that allows it", "ak-a", map[string]string{"RoleArn": long.ARN(), "RoleSessionName": "s1", "DurationSeconds": "43200"}, "", 0},
	} {
		_, err := assumeRole(t, srv, tc.ak, "secret-"+tc.ak[3:], tc.q)
		if tc.code == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if code, status := sdkCode(t, err); code != tc.code || status != tc.status {
			t.Errorf("%s: %s %d, want %d %s", tc.name, code, status, tc.status, tc.code)
		}
	}
	// The signature is checked as for ECS: a wrong secret is refused.
	_, err := assumeRole(t, srv, "ak-a", "wrong", map[string]string{"RoleArn": arn, "RoleSessionName": "s1"})
	if code, _ := sdkCode(t, err); code != ecsemu.CodeSignatureDoesNotMatch {
		t.Errorf("wrong secret: %s, want %s", code, ecsemu.CodeSignatureDoesNotMatch)
	}
}
