package ecsemu

import (
	"crypto/rand"
	"sync"
	"time"
)

// maxTempKeys bounds the keys issued by AssumeRole that a Server remembers.
const maxTempKeys = 1 << 16

// tempKeyRetention is how long an issued key is remembered after it expired: calls signed
// with it get InvalidSecurityToken.Expired until then, InvalidAccessKeyId.NotFound after.
const tempKeyRetention = time.Hour

// tempKey is a key issued by AssumeRole: its secret and token, the account of the role, and
// when it expires.
type tempKey struct {
	cred    credential
	expires time.Time
}

// tempKeys holds the keys issued by AssumeRole, at most limit of them. Safe for concurrent use.
type tempKeys struct {
	mu    sync.Mutex
	limit int
	keys  map[string]tempKey
}

func newTempKeys(limit int) *tempKeys {
	return &tempKeys{limit: limit, keys: map[string]tempKey{}}
}

// issue makes a new key of account valid until expires and returns its ID, secret and token.
// At the limit it first forgets the keys expired longer than tempKeyRetention before now, then,
// if none was, the one that expires first.
func (k *tempKeys) issue(account string, expires, now time.Time) (id, secret, token string) {
	id = "STS." + rand.Text()
	secret = rand.Text() + rand.Text()
	token = "CAIS" + rand.Text() + rand.Text() + rand.Text() + rand.Text()
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) >= k.limit {
		k.forget(now)
	}
	k.keys[id] = tempKey{cred: credential{secret: secret, token: token, account: account}, expires: expires}
	return id, secret, token
}

// forget makes room for one key; k.mu must be held.
func (k *tempKeys) forget(now time.Time) {
	var first string
	for id, t := range k.keys {
		if now.Sub(t.expires) >= tempKeyRetention {
			delete(k.keys, id)
			continue
		}
		if first == "" || t.expires.Before(k.keys[first].expires) {
			first = id
		}
	}
	if len(k.keys) >= k.limit {
		delete(k.keys, first)
	}
}

// lookup returns the issued key id and when it expires.
func (k *tempKeys) lookup(id string) (credential, time.Time, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	t, ok := k.keys[id]
	return t.cred, t.expires, ok
}
