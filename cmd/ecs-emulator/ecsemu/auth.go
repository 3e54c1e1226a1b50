package ecsemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	acs3Algorithm = "ACS3-HMAC-SHA256"
	timeLayout    = "2006-01-02T15:04:05Z"
)

// authenticator verifies request signatures the way the real service does.
// Its fixed credentials are set at construction; temp holds those AssumeRole issues. It is
// safe for concurrent use.
type authenticator struct {
	creds   map[string]credential
	temp    *tempKeys
	nonces  *nonceSet
	maxSkew time.Duration
	pct     *strings.Replacer
}

func newAuthenticator(creds map[string]credential, maxSkew time.Duration, nonceCapacity int) *authenticator {
	return &authenticator{
		creds:   creds,
		temp:    newTempKeys(maxTempKeys),
		nonces:  newNonceSet(nonceCapacity, 2*maxSkew),
		maxSkew: maxSkew,
		pct:     strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~"),
	}
}

// principal is who signed a request: the access key and the account it belongs to.
type principal struct {
	accessKeyID, account string
}

// verify checks the signature of req and returns who signed it.
func (a *authenticator) verify(req *request, now time.Time) (principal, *apiError) {
	if auth := headerValue(req.header, "Authorization"); strings.HasPrefix(auth, acs3Algorithm+" ") {
		return a.verifyACS3(req, auth[len(acs3Algorithm)+1:], now)
	}
	if req.params.Has("Signature") {
		return a.verifyRPC(req, now)
	}
	return principal{}, errorFor(CodeIncompleteSignature, "")
}

func (a *authenticator) verifyACS3(req *request, auth string, now time.Time) (principal, *apiError) {
	var akID, signed, sig string
	for part := range strings.SplitSeq(auth, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			akID = v
		case "SignedHeaders":
			signed = v
		case "Signature":
			sig = v
		}
	}
	if akID == "" || signed == "" || sig == "" || !coversRequired(signed, req.header) {
		return principal{}, errorFor(CodeIncompleteSignature, "")
	}
	cred, aerr := a.credential(akID, headerValue(req.header, "X-Acs-Security-Token"), now)
	if aerr != nil {
		return principal{}, aerr
	}
	if aerr := a.checkTime(headerValue(req.header, "X-Acs-Date"), now); aerr != nil {
		return principal{}, aerr
	}
	sum := sha256.Sum256(req.body)
	payload := hex.EncodeToString(sum[:])
	if h := headerValue(req.header, "X-Acs-Content-Sha256"); h != "" && h != payload {
		return principal{}, errorFor(CodeSignatureDoesNotMatch, "")
	}
	stringToSign := acs3Algorithm + "\n" + hexSHA256(a.canonicalRequest(req, signed, payload))
	mac := hmac.New(sha256.New, []byte(cred.secret))
	mac.Write([]byte(stringToSign))
	got, err := hex.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return principal{}, errorFor(CodeSignatureDoesNotMatch, stringToSign)
	}
	if aerr := a.checkNonce(headerValue(req.header, "X-Acs-Signature-Nonce"), now); aerr != nil {
		return principal{}, aerr
	}
	return principal{accessKeyID: akID, account: cred.account}, nil
}

// coversRequired reports whether signedHeaders, the SignedHeaders list of an ACS3
// Authorization header, names host and every x-acs-* header in h, as the real service
// requires. Without this a signature over fewer headers (SignedHeaders=host) would stay
// valid for a copy of the request with another x-acs-action or x-acs-version. Names are
// compared without regard to case; other headers (content-type, user-agent) are optional.
func coversRequired(signedHeaders string, h http.Header) bool {
	if !inList(signedHeaders, "host") {
		return false
	}
	for k := range h {
		if len(k) >= len(acsHeaderPrefix) && strings.EqualFold(k[:len(acsHeaderPrefix)], acsHeaderPrefix) &&
			!inList(signedHeaders, k) {
			return false
		}
	}
	return true
}

// acsHeaderPrefix starts the names of the headers an ACS3 signature must cover.
const acsHeaderPrefix = "x-acs-"

// inList reports whether the ";"-separated list names name, in any case.
func inList(list, name string) bool {
	for n := range strings.SplitSeq(list, ";") {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// canonicalRequest builds the ACS3 canonical request of req.
func (a *authenticator) canonicalRequest(req *request, signedHeaders, payload string) string {
	var b strings.Builder
	b.Grow(512)
	b.WriteString(req.method)
	b.WriteByte('\n')
	path := req.path
	if path == "" {
		path = "/"
	}
	b.WriteString(a.pct.Replace(path))
	b.WriteByte('\n')
	keys := make([]string, 0, len(req.query))
	for k := range req.query {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var q strings.Builder
	for i, k := range keys {
		if i > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k)
		q.WriteByte('=')
		if v := req.query.Get(k); v != "" {
			q.WriteString(url.QueryEscape(v))
		}
	}
	b.WriteString(a.pct.Replace(q.String()))
	b.WriteByte('\n')
	for name := range strings.SplitSeq(signedHeaders, ";") {
		var val string
		if name == "host" {
			val = strings.TrimSpace(req.host)
		} else {
			vals := headerValues(req.header, name)
			if len(vals) == 1 {
				val = strings.TrimSpace(vals[0])
			} else {
				trimmed := make([]string, len(vals))
				for i, v := range vals {
					trimmed[i] = strings.TrimSpace(v)
				}
				slices.Sort(trimmed)
				val = strings.Join(trimmed, ",")
			}
		}
		b.WriteString(name)
		b.WriteByte(':')
		b.WriteString(val)
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(signedHeaders)
	b.WriteByte('\n')
	b.WriteString(payload)
	return b.String()
}

// verifyRPC checks the legacy HMAC-SHA1 signature (SignatureVersion 1.0).
func (a *authenticator) verifyRPC(req *request, now time.Time) (principal, *apiError) {
	akID := req.params.Get("AccessKeyId")
	if akID == "" {
		return principal{}, errorFor(CodeMissingParameter, "AccessKeyId")
	}
	if m := req.params.Get("SignatureMethod"); m != "" && m != "HMAC-SHA1" {
		return principal{}, errorFor(CodeIncompleteSignature, "")
	}
	cred, aerr := a.credential(akID, req.params.Get("SecurityToken"), now)
	if aerr != nil {
		return principal{}, aerr
	}
	if aerr := a.checkTime(req.params.Get("Timestamp"), now); aerr != nil {
		return principal{}, aerr
	}
	signed := make(url.Values, len(req.params))
	for k, v := range req.params {
		if k != "Signature" {
			signed[k] = v[:1]
		}
	}
	stringToSign := req.method + "&%2F&" + url.QueryEscape(a.pct.Replace(signed.Encode()))
	mac := hmac.New(sha1.New, []byte(cred.secret+"&"))
	mac.Write([]byte(stringToSign))
	want := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	if subtle.ConstantTimeCompare([]byte(want), []byte(req.params.Get("Signature"))) != 1 {
		return principal{}, errorFor(CodeSignatureDoesNotMatch, stringToSign)
	}
	if aerr := a.checkNonce(req.params.Get("SignatureNonce"), now); aerr != nil {
		return principal{}, aerr
	}
	// The legacy signature covers the parameters only: an x-acs-action or x-acs-version header
	// (unsigned here) must not pick another action or version than the signed ones.
	for _, hp := range [][2]string{{"X-Acs-Action", "Action"}, {"X-Acs-Version", "Version"}} {
		if h := headerValue(req.header, hp[0]); h != "" && h != req.params.Get(hp[1]) {
			return principal{}, errorFor(CodeIncompleteSignature, "")
		}
	}
	req.action, req.version = req.params.Get("Action"), req.params.Get("Version")
	return principal{accessKeyID: akID, account: cred.account}, nil
}

// credential returns the key akID, fixed (creds) or issued by AssumeRole (temp), checked
// against the security token the request carries; an issued key expired at now gets
// InvalidSecurityToken.Expired.
func (a *authenticator) credential(akID, token string, now time.Time) (credential, *apiError) {
	cred, ok := a.creds[akID]
	var expires time.Time
	if !ok {
		cred, expires, ok = a.temp.lookup(akID)
	}
	if !ok {
		return credential{}, errorFor(CodeAccessKeyNotFound, "")
	}
	if subtle.ConstantTimeCompare([]byte(cred.token), []byte(token)) != 1 {
		return credential{}, errorFor(CodeSecurityTokenMismatch, "")
	}
	if !expires.IsZero() && !now.Before(expires) {
		return credential{}, errorFor(CodeSecurityTokenExpired, "")
	}
	return cred, nil
}

func (a *authenticator) checkTime(value string, now time.Time) *apiError {
	t, err := time.Parse(timeLayout, value)
	if err != nil {
		return errorFor(CodeTimeStampFormat, "")
	}
	if d := now.Sub(t); d > a.maxSkew || d < -a.maxSkew {
		return errorFor(CodeTimeStampExpired, "")
	}
	return nil
}

func (a *authenticator) checkNonce(nonce string, now time.Time) *apiError {
	if nonce == "" {
		return errorFor(CodeMissingParameter, "SignatureNonce")
	}
	if !a.nonces.add(nonce, now) {
		return errorFor(CodeSignatureNonceUsed, "")
	}
	return nil
}

// headerValue returns the first value of h under canonicalKey, without the
// allocation of http.Header.Get canonicalizing a lower-case name.
func headerValue(h http.Header, canonicalKey string) string {
	if v := h[canonicalKey]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// headerValues returns the values of the header named name in any case
// (SignedHeaders lists lower-case names), without allocating.
func headerValues(h http.Header, name string) []string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

func hexSHA256(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
