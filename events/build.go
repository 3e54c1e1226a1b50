package events

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/taskpoller/taskpoller/poller"
)

// ID returns the deterministic id of the event announcing n (poller.Notice.ID); it is also
// the Nats-Msg-Id. Two transitions never share an id; every terminal notice of a task shares
// one, so a task can never have two terminal events in the stream.
func ID(n poller.Notice) string { return n.ID() }

// Announced tells what the stored event ev at stream sequence seq announced.
func Announced(ev Event, seq uint64) poller.Announced {
	return poller.Announced{
		Position: seq,
		ID:       ev.ID,
		Kind:     typeKinds[ev.Type],
		Action:   ev.Data.TaskAction,
		Status:   poller.Status(ev.Data.TaskStatus),
		Process:  ev.Data.TaskProcess,
		Ordinal:  ev.Data.StatusOrdinal,
	}
}

// EventSource is the CloudEvents source of events about tasks of a region.
func EventSource(regionID string) string { return "/taskpoller/ecs/" + regionID }

var kindTypes = map[poller.Kind]string{
	poller.KindStatusChanged: TypeStatusChanged,
	poller.KindProgress:      TypeProgress,
	poller.KindFinished:      TypeFinished,
	poller.KindFailed:        TypeFailed,
}

var typeKinds = map[string]poller.Kind{
	TypeStatusChanged: poller.KindStatusChanged,
	TypeProgress:      poller.KindProgress,
	TypeFinished:      poller.KindFinished,
	TypeFailed:        poller.KindFailed,
}

// New builds the event announcing n.
func New(n poller.Notice) Event {
	t := n.Task
	ops := make([]Operation, 0, len(t.Operations))
	for _, op := range t.Operations {
		items := make([]RelatedItem, 0, len(op.Items))
		for _, it := range op.Items {
			items = append(items, RelatedItem{Name: it.Name, Value: it.Value})
		}
		ops = append(ops, Operation{OperationStatus: op.Status, ErrorCode: op.ErrorCode, ErrorMsg: op.ErrorMsg, RelatedItems: items})
	}
	objects := t.ItemValues("OSSObject")
	if objects == nil {
		objects = []string{}
	}
	var bucket string
	if b := t.ItemValues("OSSBucket"); len(b) > 0 {
		bucket = b[0]
	}
	at := n.ObservedAt
	if at.IsZero() {
		at = time.Now()
	}
	return Event{
		SpecVersion:     SpecVersion,
		ID:              ID(n),
		Source:          EventSource(t.RegionID),
		Type:            kindTypes[n.Kind],
		Subject:         t.TaskID,
		Time:            at.UTC(),
		DataContentType: "application/json",
		DataSchema:      DataSchema,
		Data: Data{
			TaskID:         t.TaskID,
			RegionID:       t.RegionID,
			TaskAction:     n.Action(),
			TaskStatus:     string(t.Status),
			PreviousStatus: string(n.PreviousStatus),
			TaskProcess:    t.Process,
			CreationTime:   t.CreationTime,
			FinishedTime:   t.FinishedTime,
			TotalCount:     t.TotalCount,
			SuccessCount:   t.SuccessCount,
			FailedCount:    t.FailedCount,
			StatusOrdinal:  n.Ordinal,
			Truncated:      t.Truncated,
			SupportCancel:  t.SupportCancel,
			Operations:     ops,
			OSSObjects:     objects,
			OSSBucket:      bucket,
			Metadata:       n.Metadata,
			Reason:         string(n.Reason),
			ErrorCode:      n.ErrorCode,
			ErrorMessage:   n.ErrorMessage,
		},
	}
}

// NewInvalid builds the report of a refused registration. Its id is derived from the
// registration message's stream sequence, so a redelivered refusal is stored once.
func NewInvalid(streamSeq uint64, payload []byte, reason error, at time.Time) Invalid {
	p, cut := payload, false
	if len(p) > MaxInvalidPayload {
		p, cut = p[:MaxInvalidPayload], true
	}
	sum := sha256.Sum256(payload)
	return Invalid{
		SpecVersion:     SpecVersion,
		ID:              fmt.Sprintf("invalid/%d/%s", streamSeq, hex.EncodeToString(sum[:8])),
		Source:          "/taskpoller/registrations",
		Type:            TypeInvalid,
		Time:            at.UTC(),
		DataContentType: "application/json",
		DataSchema:      DataSchema,
		Data:            InvalidData{Reason: reason.Error(), Payload: string(p), Truncated: cut},
	}
}
