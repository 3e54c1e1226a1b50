package ecsemu

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzParseRequest feeds arbitrary query strings and bodies to the
// parameter parsing and to every action handler (past the signature check),
// and through the whole HTTP handler; none may panic.
func FuzzParseRequest(f *testing.F) {
	f.Add("POST", "RegionId=cn-hangzhou&TaskId=t-abc", "DescribeTaskAttribute", "", "")
	f.Add("POST", "RegionId=cn-hangzhou&TaskIds=t-1,t-2,,t-3&PageSize=100&PageNumber=2&TaskStatus=Finished", "DescribeTasks", "", "")
	f.Add("POST", "RegionId=cn-hangzhou&PageSize=-1&StartTime=2020-11-23T15:10:00Z&EndTime=x", "DescribeTasks", "", "")
	f.Add("GET", "Action=ExportImage&RegionId=cn-beijing&ImageId=m-1&OSSBucket=fail-b&OSSPrefix=abc&ImageFormat=VHD", "", "", "")
	f.Add("POST", "RegionId=cn-hangzhou&DiskDeviceMapping.1.OSSBucket=b&DiskDeviceMapping.1.OSSObject=fail-o", "ImportImage", "", "")
	f.Add("POST", "DiskId=d-1&PerformanceLevel=PL3", "ModifyDiskSpec", "application/x-www-form-urlencoded", "RegionId=cn-hangzhou&DiskCategory=cloud")
	f.Add("POST", "RegionId=cn-hangzhou&TaskId=%zz;&", "CancelTask", "application/x-www-form-urlencoded; charset=utf-8", "a=%")
	f.Add("POST", "", "", "multipart/form-data; boundary=", "\x00\xff")
	s := newServer(defaultConfig())
	s.cfg.timeScale = 1000
	f.Fuzz(func(t *testing.T, method, query, action, contentType, body string) {
		h := http.Header{}
		if action != "" {
			h.Set("x-acs-action", action)
		}
		if contentType != "" {
			h.Set("Content-Type", contentType)
		}
		req, aerr := parseRequest(method, "/", "127.0.0.1", query, h, []byte(body))
		if aerr == nil {
			if handle := actionHandler(req.action); handle != nil {
				_, _ = handle(s, req, time.Now(), "RID")
			}
		}
		if len(query) > 4096 || strings.ContainsAny(method, " \r\n\t") || method == "" {
			return
		}
		r := httptest.NewRequest("POST", "/?x=1", strings.NewReader(body))
		r.Method = method
		r.URL.RawQuery = query
		r.Header = h
		s.mux.ServeHTTP(httptest.NewRecorder(), r)
	})
}
