package ecsapi

import (
	"sync"
	"testing"

	"github.com/aliyun/credentials-go/credentials"
)

// unsafeCredential is a credential that, like credentials-go's default chain (v1.4.14),
// writes state on every call without a lock.
type unsafeCredential struct {
	credentials.Credential
	calls int
}

func (u *unsafeCredential) GetCredential() (*credentials.CredentialModel, error) {
	u.calls++
	id, secret := "ak", "sk"
	return &credentials.CredentialModel{AccessKeyId: &id, AccessKeySecret: &secret}, nil
}

// The worker's calls share one credential from many goroutines: the wrapper makes one call at
// a time, so a credential that is not safe for concurrent use is never raced (-race finds a
// race here without the wrapper's lock; the poller's no-credentials test hit it in the default
// chain).
func TestRedactedCredentialIsSafeForConcurrentUse(t *testing.T) {
	u := &unsafeCredential{}
	r := newRedactedCredential(u)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if _, err := r.GetCredential(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if u.calls != 800 {
		t.Errorf("%d calls reached the credential, want 800", u.calls)
	}
}
