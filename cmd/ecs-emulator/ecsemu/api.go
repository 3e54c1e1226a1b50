package ecsemu

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"go.uber.org/zap"
)

const (
	apiVersion    = "2014-05-26" // ECS
	stsAPIVersion = "2015-04-01" // STS
)

// actionFunc answers one action: a JSON-encodable body or an error answer. req.account is
// the account of the caller.
type actionFunc func(s *Server, req *request, now time.Time, requestID string) (any, *apiError)

// actionHandler returns the handler of action, nil for an action the emulator does not serve.
func actionHandler(action string) actionFunc {
	switch action {
	case ActionDescribeTaskAttribute:
		return (*Server).describeTaskAttribute
	case ActionDescribeTasks:
		return (*Server).describeTasks
	case ActionExportImage:
		return (*Server).exportImage
	case ActionImportImage:
		return (*Server).importImage
	case ActionModifyDiskSpec:
		return (*Server).modifyDiskSpec
	case ActionCancelTask:
		return (*Server).cancelTask
	case ActionAssumeRole:
		return (*Server).assumeRole
	}
	return nil
}

// actionVersion returns the API version of action: STS's for AssumeRole, else ECS's.
func actionVersion(action string) string {
	if action == ActionAssumeRole {
		return stsAPIVersion
	}
	return apiVersion
}

// errorBody is the JSON error body of the real service.
type errorBody struct {
	RequestID string `json:"RequestId"`
	HostID    string `json:"HostId"`
	Code      string `json:"Code"`
	Message   string `json:"Message"`
	Recommend string `json:"Recommend"`
}

// serveAPI answers an ECS OpenAPI request.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	now := s.cfg.now()
	requestID := newRequestID()
	body, aerr := readBody(w, r, s.cfg.maxBodyBytes)
	var req *request
	if aerr == nil {
		req, aerr = parseRequest(r.Method, r.URL.Path, r.Host, r.URL.RawQuery, r.Header, body)
	}
	var out any
	if aerr == nil {
		out, aerr = s.dispatch(r, req, now, requestID)
	}
	call := Call{Time: now, Code: CodeOK}
	listing := false
	if req != nil {
		listing = isListing(req)
		call.Action, call.TaskID, call.RegionID = req.action, req.params.Get("TaskId"), req.params.Get("RegionId")
		call.Account, call.AccessKeyID = req.account, req.accessKeyID
	}
	if aerr != nil {
		call.Code = aerr.code
	}
	s.stats.record(call, listing)
	if ce := s.log.Check(zap.DebugLevel, "call"); ce != nil {
		ce.Write(zap.String("action", call.Action), zap.String("task_id", call.TaskID),
			zap.String("region_id", call.RegionID), zap.String("code", call.Code), zap.String("request_id", requestID))
	}
	if aerr != nil {
		host := hostID(call.RegionID)
		if call.Action == ActionAssumeRole {
			host = stsHostID
		}
		s.writeError(w, aerr, requestID, host)
		return
	}
	writeJSON(w, http.StatusOK, out, requestID)
}

// dispatch runs the checks of the real service in order (action, version,
// injected faults, signature, permission, quota) and then the action.
func (s *Server) dispatch(r *http.Request, req *request, now time.Time, requestID string) (any, *apiError) {
	handle := actionHandler(req.action)
	if handle == nil {
		return nil, errorFor(CodeInvalidAction, "")
	}
	switch req.version {
	case actionVersion(req.action):
	case "":
		return nil, errorFor(CodeMissingParameter, "Version")
	default:
		return nil, errorFor(CodeInvalidVersion, "")
	}
	latency, fault := s.faults.draw(req.action)
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
		case <-s.done:
		}
		t.Stop()
	}
	if fault != "" {
		return nil, errorFor(fault, "")
	}
	who, aerr := s.auth.verify(req, now)
	if aerr != nil {
		return nil, aerr
	}
	req.account, req.accessKeyID = who.account, who.accessKeyID
	if s.isDenied(who.accessKeyID) {
		return nil, errorFor(CodeForbiddenRAM, "")
	}
	if !s.quota.allow(req.action, who.account, req.params.Get("RegionId"), now) {
		return nil, errorFor(CodeThrottlingUser, "")
	}
	return handle(s, req, now, requestID)
}

// isListing reports whether req is a DescribeTasks listing: one naming no TaskIds (a batch
// check names them; a listing pages by StartTime/EndTime).
func isListing(req *request) bool {
	return req.action == ActionDescribeTasks && strings.TrimSpace(req.params.Get("TaskIds")) == ""
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *apiError) {
	if r.ContentLength > limit {
		return nil, errorFor(CodeRequestTooLarge, "")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, errorFor(CodeRequestTooLarge, "")
		}
		return nil, errorFor(CodeInvalidParameter, "Body")
	}
	return body, nil
}

// writeError answers aerr: a dropped connection, an HTML 502, or the JSON
// error body of the real service, whose HostId is host.
func (s *Server) writeError(w http.ResponseWriter, aerr *apiError, requestID, host string) {
	switch aerr.code {
	case CodeDrop:
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler) // the server closes the connection silently
	case CodeBadGateway:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, badGatewayHTML)
		return
	}
	writeJSON(w, aerr.status, errorBody{
		RequestID: requestID,
		HostID:    host,
		Code:      aerr.code,
		Message:   aerr.message,
		Recommend: "https://api.aliyun.com/troubleshoot?q=" + aerr.code + "&product=Ecs&requestId=" + requestID,
	}, requestID)
}

const badGatewayHTML = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>Tengine</center>
</body>
</html>
`

// writeJSON answers v as JSON, without HTML escaping (the real service
// writes "&" in Recommend URLs as is).
func writeJSON(w http.ResponseWriter, status int, v any, requestID string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	b := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"Code":"InternalError","Message":"The request processing has failed due to some unknown error, exception or failure."}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json;charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	if requestID != "" {
		h.Set("x-acs-request-id", requestID)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
