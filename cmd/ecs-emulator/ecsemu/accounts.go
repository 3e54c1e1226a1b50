package ecsemu

import "fmt"

// DefaultAccountID is the account of the keys given without one (WithCredentials,
// WithSecurityToken and the default pair DefaultAccessKeyID) and of the tasks added without
// one (Script.Account, TimedTask.Account).
const DefaultAccountID = "1000000000000000"

// validAccountID reports whether id is an account ID as the emulator takes them: 1 to 32
// digits, the form of the account UID in a role ARN (acs:ram::<uid>:role/<name>).
func validAccountID(id string) bool {
	if id == "" || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// accountOr returns id, or DefaultAccountID when id is empty.
func accountOr(id string) string {
	if id == "" {
		return DefaultAccountID
	}
	return id
}

// validateAccounts reports a key without an ID or with an account ID validAccountID refuses.
func (c *config) validateAccounts() error {
	for id, cred := range c.creds {
		if id == "" {
			return fmt.Errorf("ecsemu: an access key ID is empty")
		}
		if !validAccountID(cred.account) {
			return fmt.Errorf("ecsemu: access key %s: account ID %q is not 1 to 32 digits", id, cred.account)
		}
	}
	return nil
}
