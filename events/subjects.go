package events

import (
	"fmt"
	"regexp"
	"strings"
)

// Subjects builds every subject name of one deployment from its prefix. It is the only place
// subject names are made. The zero value is not usable: call NewSubjects.
type Subjects struct {
	prefix string
}

// DefaultPrefix is the subject prefix used when none is configured.
const DefaultPrefix = "ecs.tasks"

var prefixPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)

// NewSubjects validates prefix (dot-separated tokens of letters, digits, '-' and '_').
func NewSubjects(prefix string) (Subjects, error) {
	if len(prefix) > 64 || !prefixPattern.MatchString(prefix) {
		return Subjects{}, fmt.Errorf("subject prefix %q: want dot-separated tokens of [A-Za-z0-9_-], at most 64 bytes", prefix)
	}
	return Subjects{prefix: prefix}, nil
}

// ForAccount returns the subjects of account name, an account of the fleet other than its
// default one: under "<prefix>.account.<name>", so every subject, stream and bucket of the
// account is apart from the default account's (whose subjects stay as they are) and from
// every other account's. Consumers follow one account with "<prefix>.account.<name>.>", every
// named account's events of a kind with "<prefix>.account.*.<kind>.>".
func (s Subjects) ForAccount(name string) (Subjects, error) {
	if !ValidAccount(name) {
		return Subjects{}, fmt.Errorf("account %q: want 1 to 32 of a-z, 0-9 and '-'", name)
	}
	return NewSubjects(s.prefix + ".account." + name)
}

// Prefix returns the configured prefix.
func (s Subjects) Prefix() string { return s.prefix }

// Registered is the subject producers publish registrations to.
func (s Subjects) Registered() string { return s.prefix + ".registered" }

// Invalid is the subject refused registrations are reported on.
func (s Subjects) Invalid() string { return s.prefix + ".invalid" }

// Throttled is the core NATS subject on which workers tell each other of ECS rate cuts (not
// stored: a worker that misses one finds the throttling itself).
func (s Subjects) Throttled() string { return s.prefix + ".fleet.throttled" }

// Event is the subject of a task event: <prefix>.<kind>.<region>.<action>.<task>.
// region and task must have passed ValidateRegistration; action is sanitised here.
func (s Subjects) Event(kind Kind, region, action, taskID string) string {
	return s.prefix + "." + string(kind) + "." + region + "." + token(action) + "." + taskID
}

// ParseEvent splits the subject of a task event (see Event) into its kind, region, action
// and task; ok is false for any other subject (another prefix, an unknown kind, too few or
// too many tokens).
func (s Subjects) ParseEvent(subject string) (kind Kind, region, action, taskID string, ok bool) {
	rest, found := strings.CutPrefix(subject, s.prefix+".")
	if !found {
		return "", "", "", "", false
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 4 || Kind(parts[0]).Type() == "" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return "", "", "", "", false
	}
	return Kind(parts[0]), parts[1], parts[2], parts[3], true
}

// TaskEvents is the wildcard subject of every event of one task, whatever its kind and action:
// <prefix>.*.<region>.*.<task>. Its last message is the task's latest event.
func (s Subjects) TaskEvents(region, taskID string) string {
	return s.prefix + ".*." + region + ".*." + taskID
}

// Kind is the wildcard subject of every event of one kind, e.g. "ecs.tasks.failed.>".
func (s Subjects) Kind(kind Kind) string { return s.prefix + "." + string(kind) + ".>" }

// AllEvents are the subjects of the events stream.
func (s Subjects) AllEvents() []string {
	out := make([]string, 0, len(Kinds)+1)
	for _, k := range Kinds {
		out = append(out, s.Kind(k))
	}
	return append(out, s.Invalid())
}

// Roles name the JetStream assets of one deployment; StreamName derives the names, e.g.
// ECS_TASKS_EVENTS for the default prefix. Consumers read events from the EventsRole stream.
const (
	RegistrationsRole = "REGISTRATIONS"
	EventsRole        = "EVENTS"
	StateRole         = "STATE"
	WorkersRole       = "WORKERS"
	TasksRole         = "TASKS"  // the tasks being tracked, by partition
	OwnersRole        = "OWNERS" // which worker holds each partition
	// DiscoveryLeasesRole and DiscoveryCursorsRole are discovery's buckets: which worker
	// lists each region, and how far each region's listing is complete.
	DiscoveryLeasesRole  = "DISCOVERY_LEASES"
	DiscoveryCursorsRole = "DISCOVERY_CURSORS"
)

// StreamName derives a JetStream name from the prefix and a role, e.g. ECS_TASKS_EVENTS.
func (s Subjects) StreamName(role string) string {
	r := strings.NewReplacer(".", "_", "-", "_")
	return strings.ToUpper(r.Replace(s.prefix) + "_" + role)
}

var tokenUnsafe = regexp.MustCompile(`[^A-Za-z0-9_-]`)

// token makes an untrusted string a safe subject token.
func token(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 64 {
		s = s[:64]
	}
	return tokenUnsafe.ReplaceAllString(s, "_")
}
