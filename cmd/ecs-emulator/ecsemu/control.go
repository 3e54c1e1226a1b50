package ecsemu

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// controlPrefix is the path of the test-only control surface; the real
// service never serves it. Its requests are not signed.
const controlPrefix = "/_emulator/"

// maxControlBody bounds control request bodies.
const maxControlBody = 1 << 20

func (s *Server) routeControl() {
	m := s.mux
	m.HandleFunc("POST /_emulator/tasks", s.ctlAddTask)
	m.HandleFunc("GET /_emulator/tasks/{id}/calls", s.ctlCalls)
	m.HandleFunc("GET /_emulator/tasks/{id}/end", s.ctlTaskEnd)
	m.HandleFunc("GET /_emulator/faults", s.ctlGetFaults)
	m.HandleFunc("PUT /_emulator/faults", s.ctlPutFaults)
	m.HandleFunc("GET /_emulator/quotas", s.ctlGetQuotas)
	m.HandleFunc("PUT /_emulator/quotas", s.ctlPutQuotas)
	m.HandleFunc("GET /_emulator/stats", s.ctlStats)
	m.HandleFunc("DELETE /_emulator/stats", s.ctlResetStats)
	m.HandleFunc("POST /_emulator/images", s.ctlAddImage)
	m.HandleFunc("PUT /_emulator/denied/{accessKeyID}", s.ctlDeny)
	m.HandleFunc("DELETE /_emulator/denied/{accessKeyID}", s.ctlAllow)
	m.HandleFunc("GET /_emulator/tls-cert", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		_, _ = w.Write([]byte(TestCertificatePEM))
	})
	m.HandleFunc("GET /_emulator/healthz", func(w http.ResponseWriter, _ *http.Request) {
		ctlJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	m.HandleFunc(controlPrefix, func(w http.ResponseWriter, r *http.Request) {
		ctlJSON(w, http.StatusNotFound, ctlError{Error: fmt.Sprintf("no control endpoint %s %s", r.Method, r.URL.Path)})
	})
}

type ctlError struct {
	Error string `json:"error"`
}

func ctlJSON(w http.ResponseWriter, status int, v any) { writeJSON(w, status, v, "") }

// ctlDecode reads a JSON body into v, answering 400 on error.
func ctlDecode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxControlBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		ctlJSON(w, http.StatusBadRequest, ctlError{Error: "invalid JSON body: " + err.Error()})
		return false
	}
	return true
}

func (s *Server) ctlAddTask(w http.ResponseWriter, r *http.Request) {
	var sc Script
	if !ctlDecode(w, r, &sc) {
		return
	}
	id, err := s.AddTask(sc)
	if err != nil {
		ctlJSON(w, http.StatusBadRequest, ctlError{Error: err.Error()})
		return
	}
	ctlJSON(w, http.StatusCreated, map[string]string{"task_id": id})
}

func (s *Server) ctlCalls(w http.ResponseWriter, r *http.Request) {
	calls := s.Calls(r.PathValue("id"))
	if calls == nil {
		calls = []Call{}
	}
	ctlJSON(w, http.StatusOK, calls)
}

func (s *Server) ctlGetFaults(w http.ResponseWriter, _ *http.Request) {
	ctlJSON(w, http.StatusOK, s.CurrentFaults())
}

func (s *Server) ctlPutFaults(w http.ResponseWriter, r *http.Request) {
	var f Faults
	if !ctlDecode(w, r, &f) {
		return
	}
	if err := f.Validate(); err != nil {
		ctlJSON(w, http.StatusBadRequest, ctlError{Error: err.Error()})
		return
	}
	s.SetFaults(f)
	ctlJSON(w, http.StatusOK, s.CurrentFaults())
}

func (s *Server) ctlGetQuotas(w http.ResponseWriter, _ *http.Request) {
	ctlJSON(w, http.StatusOK, s.quota.snapshot())
}

// ctlPutQuotas sets quotas per action ({"DescribeTaskAttribute": 20}); 0
// removes one.
func (s *Server) ctlPutQuotas(w http.ResponseWriter, r *http.Request) {
	var q map[string]float64
	if !ctlDecode(w, r, &q) {
		return
	}
	for a, v := range q {
		s.SetQuota(a, v)
	}
	ctlJSON(w, http.StatusOK, s.quota.snapshot())
}

func (s *Server) ctlStats(w http.ResponseWriter, _ *http.Request) {
	ctlJSON(w, http.StatusOK, s.Stats())
}

func (s *Server) ctlResetStats(w http.ResponseWriter, _ *http.Request) {
	s.ResetStats()
	w.WriteHeader(http.StatusNoContent)
}

type ctlImage struct {
	RegionID  string `json:"region_id"`
	ImageID   string `json:"image_id"`
	DataDisks int    `json:"data_disks"`
}

func (s *Server) ctlAddImage(w http.ResponseWriter, r *http.Request) {
	var img ctlImage
	if !ctlDecode(w, r, &img) {
		return
	}
	if !knownRegion(img.RegionID) || img.ImageID == "" || img.DataDisks < 0 {
		ctlJSON(w, http.StatusBadRequest, ctlError{Error: "want a known region_id, an image_id and data_disks >= 0"})
		return
	}
	s.AddImage(img.RegionID, img.ImageID, img.DataDisks)
	ctlJSON(w, http.StatusCreated, img)
}

func (s *Server) ctlDeny(w http.ResponseWriter, r *http.Request) {
	s.Deny(r.PathValue("accessKeyID"))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) ctlAllow(w http.ResponseWriter, r *http.Request) {
	s.Allow(r.PathValue("accessKeyID"))
	w.WriteHeader(http.StatusNoContent)
}
