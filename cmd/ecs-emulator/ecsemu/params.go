package ecsemu

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
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

// regionParam returns the RegionId parameter, checked: missing gives
// MissingParameter, unknown InvalidRegionId.NotFound.
func regionParam(p url.Values) (string, *apiError) {
	r := p.Get("RegionId")
	if r == "" {
		return "", errorFor(CodeMissingParameter, "RegionId")
	}
	if !knownRegion(r) {
		return "", errorFor(CodeInvalidRegionNotFound, "")
	}
	return r, nil
}

// required returns parameter name, or MissingParameter when empty.
func required(p url.Values, name string) (string, *apiError) {
	v := strings.TrimSpace(p.Get(name))
	if v == "" {
		return "", errorFor(CodeMissingParameter, name)
	}
	return v, nil
}
