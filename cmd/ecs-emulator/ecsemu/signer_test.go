package ecsemu_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

var nonceSeq atomic.Int64

// signedRequest builds a POST of action with params signed with
// ACS3-HMAC-SHA256 exactly as the SDK does, without the SDK's overhead.
func signedRequest(endpoint, action string, params url.Values, ak, secret string) *http.Request {
	return sign("POST", endpoint, action, params, ak, secret)
}

// sign builds a request of method like signedRequest.
func sign(method, endpoint, action string, params url.Values, ak, secret string) *http.Request {
	return signOnly(method, endpoint, action, params, ak, secret, nil)
}

// signOnly builds a request like sign, with a correct signature over only the
// headers named in signed (lower case); nil signs them all, as the SDK does.
// The request carries every header either way.
func signOnly(method, endpoint, action string, params url.Values, ak, secret string, signed []string) *http.Request {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var q []string
	for _, k := range keys {
		q = append(q, k+"="+url.QueryEscape(params.Get(k)))
	}
	query := strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(strings.Join(q, "&"))
	req, _ := http.NewRequest(method, "http://"+endpoint+"/?"+query, nil)
	empty := sha256.Sum256(nil)
	payload := hex.EncodeToString(empty[:])
	h := map[string]string{
		"host":                  endpoint,
		"x-acs-action":          action,
		"x-acs-version":         "2014-05-26",
		"x-acs-date":            time.Now().UTC().Format("2006-01-02T15:04:05Z"),
		"x-acs-signature-nonce": "n" + strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.FormatInt(nonceSeq.Add(1), 36),
		"x-acs-content-sha256":  payload,
	}
	for k, v := range h {
		if k != "host" {
			req.Header.Set(k, v)
		}
	}
	names := signed
	if names == nil {
		for k := range h {
			names = append(names, k)
		}
	}
	names = slices.Sorted(slices.Values(names))
	var canon strings.Builder
	canon.WriteString(method + "\n/\n" + query + "\n")
	for _, k := range names {
		canon.WriteString(k + ":" + h[k] + "\n")
	}
	list := strings.Join(names, ";")
	canon.WriteString("\n" + list + "\n" + payload)
	sum := sha256.Sum256([]byte(canon.String()))
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("ACS3-HMAC-SHA256\n" + hex.EncodeToString(sum[:])))
	req.Header.Set("Authorization", "ACS3-HMAC-SHA256 Credential="+ak+",SignedHeaders="+list+",Signature="+hex.EncodeToString(mac.Sum(nil)))
	return req
}
