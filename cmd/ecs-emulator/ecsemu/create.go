package ecsemu

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// failPrefix marks a bucket (ExportImage) or object (ImportImage) whose task
// fails partway, so a demo can make a task fail through the real SDK.
const failPrefix = "fail-"

// failFraction is how far into processing a failing task fails.
const failFraction = 0.4

type exportImageResponse struct {
	RequestID string `json:"RequestId"`
	RegionID  string `json:"RegionId"`
	TaskID    string `json:"TaskId"`
}

type importImageResponse struct {
	RequestID string `json:"RequestId"`
	RegionID  string `json:"RegionId"`
	ImageID   string `json:"ImageId"`
	TaskID    string `json:"TaskId"`
}

type modifyDiskSpecResponse struct {
	RequestID string `json:"RequestId"`
	TaskID    string `json:"TaskId"`
	OrderID   string `json:"OrderId"`
}

func (s *Server) exportImage(req *request, now time.Time, requestID string) (any, *apiError) {
	r := paramReader{p: req.params}
	region, imageID, bucket := r.region(), r.required("ImageId"), r.required("OSSBucket")
	prefix := req.params.Get("OSSPrefix")
	r.check(validPrefix(prefix), CodeInvalidParameter, "OSSPrefix")
	format, ok := imageFormat(req.params.Get("ImageFormat"))
	r.check(ok, CodeInvalidParameter, "ImageFormat")
	if r.err != nil {
		return nil, r.err
	}
	disks := s.tasks.dataDisks(region, imageID)
	t := &task{region: region, account: req.account, action: ActionExportImage, resourceID: imageID, created: now}
	if err := s.tasks.add(t, func(t *task) { t.life = s.exportLifecycle(t.id, imageID, bucket, prefix, format, disks) }); err != nil {
		return nil, errorFor(CodeInternalError, "")
	}
	return exportImageResponse{RequestID: requestID, RegionID: region, TaskID: t.id}, nil
}

// exportLifecycle is the lifecycle of an export of imageID with disks data
// disks: one OSSObject per disk; a bucket named fail-* fails partway.
func (s *Server) exportLifecycle(taskID, imageID, bucket, prefix, format string, disks int) *lifecycle {
	base := imageID + "_" + taskID
	if prefix != "" {
		base = prefix + "_" + base
	}
	items := []Item{{Name: "OSSBucket", Value: bucket}, {Name: "OSSObject", Value: base + "." + format}}
	for i := 1; i <= disks; i++ {
		items = append(items, Item{Name: "OSSObject", Value: base + "_data" + strconv.Itoa(i) + "." + format})
	}
	items = append(items, Item{Name: "ImageFormat", Value: format})
	life := s.newLifecycle(ActionExportImage, Operation{Status: "Success", Items: items})
	if strings.HasPrefix(bucket, failPrefix) {
		life.failAt = failFraction
		life.failure = Operation{Status: "Failed", ErrorCode: "InvalidOSSBucket.NotFound",
			ErrorMsg: "The specified OSS bucket \"" + bucket + "\" does not exist.",
			Items:    []Item{{Name: "OSSBucket", Value: bucket}}}
	}
	return life
}

func (s *Server) importImage(req *request, now time.Time, requestID string) (any, *apiError) {
	r := paramReader{p: req.params}
	region := r.region()
	bucket, object := r.required("DiskDeviceMapping.1.OSSBucket"), r.required("DiskDeviceMapping.1.OSSObject")
	if r.err != nil {
		return nil, r.err
	}
	imageID := randomID("m-", 20)
	life := s.newLifecycle(ActionImportImage, Operation{Status: "Success", Items: []Item{
		{Name: "ImageId", Value: imageID}, {Name: "OSSBucket", Value: bucket}, {Name: "OSSObject", Value: object},
	}})
	if strings.HasPrefix(object, failPrefix) {
		life.failAt = failFraction
		life.failure = Operation{Status: "Failed", ErrorCode: "InvalidImage.FormatNotMatch",
			ErrorMsg: "The format of the image file \"" + object + "\" does not match the specified format or the file is damaged.",
			Items:    []Item{{Name: "OSSObject", Value: object}}}
	}
	t := &task{region: region, account: req.account, action: ActionImportImage, resourceID: imageID, created: now, life: life}
	if err := s.tasks.add(t, nil); err != nil {
		return nil, errorFor(CodeInternalError, "")
	}
	return importImageResponse{RequestID: requestID, RegionID: region, ImageID: imageID, TaskID: t.id}, nil
}

func (s *Server) modifyDiskSpec(req *request, now time.Time, requestID string) (any, *apiError) {
	p := req.params
	r := paramReader{p: p}
	diskID := r.required("DiskId")
	r.check(p.Get("DiskCategory") != "" || p.Get("PerformanceLevel") != "", CodeMissingParameter, "DiskCategory")
	if r.err != nil {
		return nil, r.err
	}
	// ModifyDiskSpec takes no RegionId: its task answers in every region.
	t := &task{account: req.account, action: ActionModifyDiskSpec, resourceID: diskID, created: now}
	if region := p.Get("RegionId"); knownRegion(region) {
		t.region = region
	}
	t.life = s.newLifecycle(ActionModifyDiskSpec, Operation{Status: "Success", Items: []Item{{Name: "DiskId", Value: diskID}}})
	if err := s.tasks.add(t, nil); err != nil {
		return nil, errorFor(CodeInternalError, "")
	}
	return modifyDiskSpecResponse{RequestID: requestID, TaskID: t.id, OrderID: newOrderID()}, nil
}

// newLifecycle returns the scaled lifecycle of a new task of action; with
// WithFailureRate some fail partway with InternalError.
func (s *Server) newLifecycle(action string, result Operation) *lifecycle {
	d := s.cfg.durations[action]
	l := &lifecycle{
		waiting:    time.Duration(float64(d.waiting) / s.cfg.timeScale),
		processing: time.Duration(float64(d.processing) / s.cfg.timeScale),
		result:     result,
	}
	if r := s.cfg.failureRates[action]; r > 0 && rand.Float64() < r {
		l.failAt = 0.1 + 0.8*rand.Float64()
		l.failure = Operation{Status: "Failed", ErrorCode: CodeInternalError,
			ErrorMsg: "The task failed due to an internal error of the service."}
	}
	return l
}

// imageFormat returns the ImageFormat of an export, raw when empty (any case); ok is false
// for a format ECS does not export to.
func imageFormat(v string) (format string, ok bool) {
	switch format = strings.ToLower(v); format {
	case "":
		return "raw", true
	case "raw", "vhd", "qcow2", "vmdk", "vdi":
		return format, true
	}
	return "", false
}

// validPrefix reports whether an OSSPrefix is empty or 1–30 letters/digits.
func validPrefix(p string) bool {
	if len(p) > 30 {
		return false
	}
	for _, c := range p {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
