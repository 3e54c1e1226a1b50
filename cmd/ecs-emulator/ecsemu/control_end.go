package ecsemu

import (
	"net/http"
	"time"
)

// ctlEnd is the answer of GET /_emulator/tasks/{id}/end: when the task reached a terminal
// status, as TaskEnd says.
type ctlEnd struct {
	TaskID string    `json:"task_id"`
	End    time.Time `json:"end"`
}

// ctlTaskEnd answers when a task ended (TaskEnd), or 404 for a task unknown or not ended yet.
// A test outside the process (deploy/chaos) measures detection latency with it.
func (s *Server) ctlTaskEnd(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	end, ok := s.TaskEnd(id)
	if !ok {
		ctlJSON(w, http.StatusNotFound, ctlError{Error: "task " + id + " is unknown or has not ended"})
		return
	}
	ctlJSON(w, http.StatusOK, ctlEnd{TaskID: id, End: end.UTC()})
}
