package ecsapi

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aliyun/credentials-go/credentials"
	"github.com/aliyun/credentials-go/credentials/providers"
)

// defaultRoleSession is the lifetime of a role session when the file gives none, as
// credentials-go's own default.
const defaultRoleSession = time.Hour

// NewAccountCredential builds the credential of account a with credentials-go, for
// Config.Credential. It reads the environment variables and files a's references name (once:
// a key rotated in a file needs a restart; an OIDC token file is re-read at each refresh) and
// makes no call: STS and the metadata service are asked at the first signed call.
//
// Temporary credentials (ram_role_arn, oidc_role_arn, ecs_ram_role, and a role's source) are
// refreshed by credentials-go itself (v1.4.14): when the call that needs one finds it expires
// within 180 s by this machine's clock (providers/ram_role_arn.go needUpdateCredential), that
// call fetches a new one first; there is no background refresh, and a failed refresh fails
// that call, even if the old credential still had seconds left.
//
// The result is safe for concurrent use (it makes one call at a time, which credentials-go's
// providers need) and its errors, like those of the default chain, are fixed texts naming
// the account and its kind, never credentials-go's own messages. Errors of
// NewAccountCredential name the account and field, never a secret.
func NewAccountCredential(a Account) (Credential, error) {
	if errs := a.problems(accountLabelOf(a)); len(errs) > 0 {
		return nil, errs[0]
	}
	p, err := a.Credential.provider(a.Name)
	if err != nil {
		return nil, fmt.Errorf("%s: credential%w", accountLabelOf(a), err)
	}
	cred := credentials.FromCredentialsProvider(a.Credential.Kind, p)
	if a.Name == "" && a.Credential.Kind == KindDefault {
		return newRedactedCredential(cred), nil // the unnamed default account: as without accounts
	}
	return newAccountRedactedCredential(cred, a.Name, a.Credential.Kind), nil
}

func accountLabelOf(a Account) string {
	if a.Name == "" {
		return "the default account"
	}
	return fmt.Sprintf("account %q", a.Name)
}

// provider builds the credentials-go provider of c for the account called account. Errors
// start with the path of the field below "credential" (".source.access_key_id: ...").
func (c CredentialSpec) provider(account string) (providers.CredentialsProvider, error) {
	switch c.Kind {
	case KindDefault:
		return providers.NewDefaultCredentialsProvider(), nil
	case KindAccessKey:
		return c.accessKeyProvider()
	case KindRAMRoleARN:
		src := CredentialSpec{Kind: KindDefault}
		if c.Source != nil {
			src = *c.Source
		}
		source, err := src.provider(account)
		if err != nil {
			return nil, fmt.Errorf(".source%w", err)
		}
		p, err := providers.NewRAMRoleARNCredentialsProviderBuilder().
			WithCredentialsProvider(source).
			WithRoleArn(c.RoleARN).
			WithRoleSessionName(c.session(account)).
			WithDurationSeconds(c.durationSeconds()).
			WithExternalId(c.ExternalID).
			WithStsEndpoint(c.STSEndpoint).
			Build()
		if err != nil {
			return nil, fmt.Errorf(": ram_role_arn: %w", err)
		}
		return p, nil
	case KindOIDCRoleARN:
		p, err := providers.NewOIDCCredentialsProviderBuilder().
			WithRoleArn(c.RoleARN).
			WithOIDCProviderARN(c.OIDCProviderARN).
			WithOIDCTokenFilePath(c.OIDCTokenFile).
			WithRoleSessionName(c.session(account)).
			WithDurationSeconds(c.durationSeconds()).
			WithSTSEndpoint(c.STSEndpoint).
			Build()
		if err != nil {
			return nil, fmt.Errorf(": oidc_role_arn: %w", err)
		}
		return p, nil
	case KindECSRAMRole:
		p, err := providers.NewECSRAMRoleCredentialsProviderBuilder().WithRoleName(c.RoleName).Build()
		if err != nil {
			return nil, fmt.Errorf(": ecs_ram_role: %w", err)
		}
		return p, nil
	}
	return nil, fmt.Errorf(".kind: %q is not a kind", c.Kind)
}

// accessKeyProvider reads the key of an access_key credential.
func (c CredentialSpec) accessKeyProvider() (providers.CredentialsProvider, error) {
	var vals [3]string
	for i, r := range c.secretRefs() {
		if r.ref == nil {
			continue
		}
		v, err := r.ref.resolve()
		if err != nil {
			return nil, fmt.Errorf(".%s: %w", r.name, err)
		}
		vals[i] = v
	}
	id, secret, token := vals[0], vals[1], vals[2]
	if token != "" {
		p, err := providers.NewStaticSTSCredentialsProviderBuilder().
			WithAccessKeyId(id).WithAccessKeySecret(secret).WithSecurityToken(token).Build()
		if err != nil {
			return nil, fmt.Errorf(": access_key: %w", err)
		}
		return p, nil
	}
	p, err := providers.NewStaticAKCredentialsProviderBuilder().WithAccessKeyId(id).WithAccessKeySecret(secret).Build()
	if err != nil {
		return nil, fmt.Errorf(": access_key: %w", err)
	}
	return p, nil
}

// resolve reads the value r names. Its errors name the variable or file, never a value.
// credentials-go would fall back on ALIBABA_CLOUD_* variables for an empty value, so an empty
// one is an error.
func (r SecretRef) resolve() (string, error) {
	if r.Env != "" {
		v, ok := os.LookupEnv(r.Env)
		if v = strings.TrimSpace(v); !ok || v == "" {
			return "", fmt.Errorf("environment variable %s is not set or empty", r.Env)
		}
		return v, nil
	}
	b, err := os.ReadFile(r.File)
	if err != nil {
		return "", fmt.Errorf("cannot read the file: %w", err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("file %s is empty", r.File)
	}
	return v, nil
}

// session is the role session name: the file's, or taskpoller-<account>.
func (c CredentialSpec) session(account string) string {
	switch {
	case c.SessionName != "":
		return c.SessionName
	case account == "":
		return "taskpoller"
	}
	return "taskpoller-" + account
}

// durationSeconds is the role session's lifetime in seconds (checked by Validate).
func (c CredentialSpec) durationSeconds() int {
	d := defaultRoleSession
	if c.Duration != "" {
		if v, err := roleDuration(c.Duration); err == nil {
			d = v
		}
	}
	return int(d / time.Second)
}
