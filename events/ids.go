package events

import (
	"errors"
	"fmt"
	"regexp"
)

// ErrUnknownKind is returned for a kind that is none of Kinds.
var ErrUnknownKind = errors.New("unknown event kind")

// ID returns the deterministic id of a task event; it is also the Nats-Msg-Id. Two different
// transitions never share an id: a status change is named by its ordinal and status, a
// progress by ordinal, status and process. Every terminal event of a task shares one id, so
// a task can never end twice:
//
//	<region>/<task>/status/<ordinal>/<status>
//	<region>/<task>/progress/<ordinal>/<status>/<process>
//	<region>/<task>/terminal
//
// A kind that is none of Kinds has no id: ID returns an error matching ErrUnknownKind, so
// that a new kind gets an id of its own here, never another kind's.
//
// region and task come from a validated registration; status and process are made safe here.
func ID(region, task string, kind Kind, ordinal int, status, process string) (string, error) {
	base := region + "/" + task
	switch kind {
	case KindStatusChanged:
		return fmt.Sprintf("%s/status/%d/%s", base, ordinal, idToken(status)), nil
	case KindProgress:
		return fmt.Sprintf("%s/progress/%d/%s/%s", base, ordinal, idToken(status), idToken(process)), nil
	case KindFinished, KindFailed:
		return base + "/terminal", nil
	}
	return "", fmt.Errorf("id of a %q event of %s: %w", kind, base, ErrUnknownKind)
}

// RegistrationMsgID returns the Nats-Msg-Id of a registration, by account, region and task
// and by who registers: "register/[<account>/]<region>/<task>" for a producer's,
// "discover/[<account>/]<region>/<task>" for discovery's (the account only when the
// registration names one). Within the registrations stream's duplicate window a producer
// retrying, or discovery listing a task again, stores it once; a producer's registration after
// discovery's is stored too, so that the worker adopts its metadata (a discovered task has
// none); the same task id in two accounts is two tasks.
func RegistrationMsgID(r Registration) string {
	who := "register/"
	if r.Origin == OriginDiscovered {
		who = "discover/"
	}
	if r.Account != "" {
		who += r.Account + "/"
	}
	return who + r.RegionID + "/" + r.TaskID
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9%._-]`)

// idToken keeps an untrusted value (a status or process ECS reported) fit for an id and a
// NATS header.
func idToken(s string) string {
	if len(s) > 32 {
		s = s[:32]
	}
	return idUnsafe.ReplaceAllString(s, "_")
}
