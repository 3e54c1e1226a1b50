package ecsemu

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxParams bounds the number of distinct parameters of one request.
const maxParams = 1000

// request is a parsed API request.
type request struct {
	method, path, host string
	header             http.Header
	query              url.Values // query string only (what ACS3 signs)
	params             url.Values // query and form body merged
	body               []byte
	action, version    string
	account            string // the caller's account, once the signature is verified
	accessKeyID        string // the key that signed it, once the signature is verified
}

// parseRequest parses the parameters of an API request: the query string
// and, for a form body, the body. It never panics; malformed input gives the
// error answer of the real service.
func parseRequest(method, path, host, rawQuery string, header http.Header, body []byte) (*request, *apiError) {
	req := &request{method: method, path: path, host: host, header: header, body: body}
	if header == nil {
		req.header = http.Header{}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return req, errorFor(CodeInvalidParameter, "QueryString")
	}
	req.query = q
	req.params = q
	if len(body) > 0 && isForm(headerValue(req.header, "Content-Type")) {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return req, errorFor(CodeInvalidParameter, "Body")
		}
		req.params = make(url.Values, len(q)+len(form))
		for k, v := range q {
			req.params[k] = v
		}
		for k, v := range form {
			req.params[k] = append(req.params[k], v...)
		}
	}
	if len(req.params) > maxParams {
		return req, errorFor(CodeRequestTooLarge, "")
	}
	req.action = headerValue(req.header, "X-Acs-Action")
	if req.action == "" {
		req.action = req.params.Get("Action")
	}
	req.version = headerValue(req.header, "X-Acs-Version")
	if req.version == "" {
		req.version = req.params.Get("Version")
	}
	if req.action == "" {
		return req, errorFor(CodeMissingParameter, "Action")
	}
	return req, nil
}

func isForm(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && strings.EqualFold(mt, "application/x-www-form-urlencoded")
}

// paramReader reads the parameters of one request in the order an action checks them. The
// first read that fails is kept in err and every later read returns a zero value, so an
// action reads all it needs, then answers err, the first failure, if there was one. Not safe
// for concurrent use (one request).
type paramReader struct {
	p   url.Values
	err *apiError
}

// fail keeps e unless an earlier read failed.
func (r *paramReader) fail(e *apiError) {
	if r.err == nil {
		r.err = e
	}
}

// check fails with code for parameter name unless ok.
func (r *paramReader) check(ok bool, code, name string) {
	if !ok {
		r.fail(errorFor(code, name))
	}
}

// region returns the RegionId parameter, checked: missing gives MissingParameter, unknown
// InvalidRegionId.NotFound.
func (r *paramReader) region() string {
	v := r.p.Get("RegionId")
	r.check(v != "", CodeMissingParameter, "RegionId")
	r.check(knownRegion(v), CodeInvalidRegionNotFound, "")
	return r.ok(v)
}

// required returns parameter name trimmed, or fails with MissingParameter when it is empty.
func (r *paramReader) required(name string) string {
	v := strings.TrimSpace(r.p.Get(name))
	r.check(v != "", CodeMissingParameter, name)
	return r.ok(v)
}

// ok returns v, or "" once a read failed.
func (r *paramReader) ok(v string) string {
	if r.err != nil {
		return ""
	}
	return v
}

// intIn returns the optional integer parameter name, def when absent; not a number or
// outside lo..hi fails with InvalidParameter.
func (r *paramReader) intIn(name string, def, lo, hi int) int {
	v := r.p.Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	r.check(err == nil && n >= lo && n <= hi, CodeInvalidParameter, name)
	if r.err != nil {
		return def
	}
	return n
}

// time returns the optional UTC time parameter name, yyyy-MM-ddTHH:mm:ssZ (the documented
// format) or yyyy-MM-ddTHH:mmZ (the format of older API pages); the zero time when absent.
// Anything else fails with InvalidParameter.
func (r *paramReader) time(name string) time.Time {
	v := r.p.Get(name)
	if v == "" {
		return time.Time{}
	}
	t, ok := parseAPITime(v)
	r.check(ok, CodeInvalidParameter, name)
	if r.err != nil {
		return time.Time{}
	}
	return t
}

// parseAPITime parses a UTC time of the API, to the second or to the minute.
func parseAPITime(v string) (time.Time, bool) {
	for _, layout := range []string{timeLayout, minuteLayout} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
