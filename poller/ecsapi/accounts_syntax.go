package ecsapi

import (
	"net"
	"strings"
)

// The syntax of the values of an accounts file, as Alibaba Cloud documents them.

// spanOf reports whether s is lo to hi runes each of which is alnum or in extra.
func spanOf(s string, lo, hi int, extra string) bool {
	n := 0
	for _, c := range s {
		n++
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return n >= lo && n <= hi
}

func digits(s string, lo, hi int) bool {
	return len(s) >= lo && len(s) <= hi && strings.Trim(s, "0123456789") == ""
}

// validAccountName: 1 to 32 of a-z, 0-9 and '-'.
func validAccountName(n string) bool {
	return spanOf(n, 1, 32, "-") && strings.ToLower(n) == n
}

// validRAMARN: acs:ram::<account-uid>:<kind>/<name>, the name 1 to max of alnum and extra.
func validRAMARN(arn, kind string, max int, extra string) bool {
	rest, ok := strings.CutPrefix(arn, "acs:ram::")
	if !ok {
		return false
	}
	uid, name, ok := strings.Cut(rest, ":"+kind+"/")
	return ok && digits(uid, 1, 32) && spanOf(name, 1, max, extra)
}

func validRoleARN(s string) bool         { return validRAMARN(s, "role", 64, ".-") }
func validOIDCProviderARN(s string) bool { return validRAMARN(s, "oidc-provider", 128, "._-") }
func validSessionName(s string) bool     { return spanOf(s, 2, 64, ".@_-") }
func validExternalID(s string) bool      { return spanOf(s, 2, 1224, "=,.@:/_-") }
func validRAMRoleName(s string) bool     { return spanOf(s, 1, 64, ".-") }

// validEnvName: a letter or '_', then letters, digits or '_'.
func validEnvName(s string) bool {
	return s != "" && !(s[0] >= '0' && s[0] <= '9') && spanOf(s, 1, 1<<10, "_")
}

// validRegionID: lower-case words of letters and digits joined by '-', the first of letters
// only and at least two of them (cn-hangzhou, ap-southeast-1).
func validRegionID(s string) bool {
	words := strings.Split(s, "-")
	if len(words) < 2 || len(words[0]) < 2 || strings.Trim(words[0], "abcdefghijklmnopqrstuvwxyz") != "" {
		return false
	}
	for _, w := range words[1:] {
		if w == "" || strings.ToLower(w) != w || !spanOf(w, 1, 64, "") {
			return false
		}
	}
	return true
}

// validSTSEndpoint: host[:port] ([IPv6]:port), without a scheme or path.
func validSTSEndpoint(s string) bool {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		host, port = s, "0"
	}
	return spanOf(host, 1, 253, ".-:") && digits(port, 1, 5)
}
