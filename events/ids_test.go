package events

import (
	"errors"
	"testing"
)

// mustID is ID for a kind the test knows.
func mustID(t *testing.T, region, task string, kind Kind, ordinal int, status, process string) string {
	t.Helper()
	id, err := ID(region, task, kind, ordinal, status, process)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// Every kind of event, listed in Kinds or given a CloudEvents type, has an id of its own
// shape: a kind added to kind.go and not to ID fails here.
func TestEveryKindHasAnID(t *testing.T) {
	if len(Kinds) != len(kindTypes) {
		t.Errorf("Kinds lists %d kinds, %d have a type: %v, %v", len(Kinds), len(kindTypes), Kinds, kindTypes)
	}
	kinds := append([]Kind(nil), Kinds...)
	for k := range kindTypes {
		kinds = append(kinds, k)
	}
	for _, k := range kinds {
		id, err := ID("cn-hangzhou", "t-1", k, 1, "Processing", "50%")
		if err != nil || id == "" {
			t.Errorf("ID of a %s event = %q, %v; want an id", k, id, err)
		}
	}
}

// A kind ID does not know gets no id, and above all not the terminal events' one, which
// would make its event and the task's terminal event duplicates of each other.
func TestIDRefusesAnUnknownKind(t *testing.T) {
	for _, k := range []Kind{"", "exploded", "terminal", "Finished", KindFinished + " "} {
		id, err := ID("cn-hangzhou", "t-1", k, 1, "Processing", "50%")
		if !errors.Is(err, ErrUnknownKind) || id != "" {
			t.Errorf("ID of kind %q = %q, %v; want no id and ErrUnknownKind", k, id, err)
		}
	}
}

// Discovery's registrations and a producer's have message ids of their own, by region and
// task, so the stream stores a producer's after discovery's.
func TestRegistrationMsgIDs(t *testing.T) {
	prod := Registration{RegionID: "cn-hangzhou", TaskID: "t-1"}
	disc := Registration{RegionID: "cn-hangzhou", TaskID: "t-1", Origin: OriginDiscovered}
	if got := RegistrationMsgID(prod); got != "register/cn-hangzhou/t-1" {
		t.Errorf("producer's id %q", got)
	}
	if got := RegistrationMsgID(disc); got != "discover/cn-hangzhou/t-1" {
		t.Errorf("discovery's id %q", got)
	}
}

// A registration naming an account has message ids of its own: the same task id in two
// accounts is two registrations.
func TestRegistrationMsgIDsNameTheAccount(t *testing.T) {
	prod := Registration{Account: "prod-eu", RegionID: "cn-hangzhou", TaskID: "t-1"}
	disc := Registration{Account: "prod-eu", RegionID: "cn-hangzhou", TaskID: "t-1", Origin: OriginDiscovered}
	if got := RegistrationMsgID(prod); got != "register/prod-eu/cn-hangzhou/t-1" {
		t.Errorf("producer's id %q", got)
	}
	if got := RegistrationMsgID(disc); got != "discover/prod-eu/cn-hangzhou/t-1" {
		t.Errorf("discovery's id %q", got)
	}
}

func TestSubjectsForAccount(t *testing.T) {
	s, _ := NewSubjects(DefaultPrefix)
	a, err := s.ForAccount("prod-eu")
	if err != nil {
		t.Fatal(err)
	}
	if got := a.Event(KindFinished, "cn-hangzhou", "ExportImage", "t-1"); got != "ecs.tasks.account.prod-eu.finished.cn-hangzhou.ExportImage.t-1" {
		t.Errorf("event subject %q", got)
	}
	if got := a.StreamName(EventsRole); got != "ECS_TASKS_ACCOUNT_PROD_EU_EVENTS" {
		t.Errorf("stream %q", got)
	}
	for _, bad := range []string{"", "Prod", "a.b", "abcdefghijabcdefghijabcdefghijabc"} {
		if _, err := s.ForAccount(bad); err == nil {
			t.Errorf("ForAccount(%q) accepted", bad)
		}
	}
	if got := AccountEventSource("prod-eu", "cn-hangzhou"); got != "/taskpoller/ecs/prod-eu/cn-hangzhou" {
		t.Errorf("source %q", got)
	}
	if got := AccountEventSource("", "cn-hangzhou"); got != EventSource("cn-hangzhou") {
		t.Errorf("default account's source %q", got)
	}
}
