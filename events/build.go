package events

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"
)

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
		DataSchema:      InvalidDataSchema,
		Data:            InvalidData{Reason: reason.Error(), Payload: string(p), Truncated: cut},
	}
}
