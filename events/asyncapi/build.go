package asyncapi

import (
	"encoding/json"
	"fmt"

	"github.com/taskpoller/taskpoller/events"
)

// Actions of an Operation.
const (
	Send    = "send"
	Receive = "receive"
)

// New returns the AsyncAPI document of the deployment whose subjects s builds. It fails only
// if an embedded schema is broken, which the tests of package events rule out.
func New(s events.Subjects) (Document, error) {
	chans, err := channels(s)
	if err != nil {
		return Document{}, err
	}
	return Document{
		AsyncAPI: Version,
		ID:       "urn:taskpoller:" + s.Prefix(),
		Info: Info{
			Title:   "taskpoller",
			Version: events.SchemaVersion,
			Description: "taskpoller turns Alibaba Cloud ECS asynchronous tasks (ImportImage, ExportImage, ModifyDiskSpec...) into CloudEvents on NATS. " +
				"Producers register tasks on " + s.Registered() + "; workers poll ECS and publish what happens to each task. " +
				"The operations are a worker's. Subjects are for the prefix " + s.Prefix() + " (`taskpoller asyncapi --subject-prefix P` writes this document for another). " +
				"Version " + events.SchemaVersion + " of the event contract: it changes only with an incompatible change, and fields may be added within it. " +
				"Payloads are JSON Schema draft 2020-12, bundling the schemas of `taskpoller schema` by their $id.",
		},
		Servers: map[string]Server{
			"nats": {Host: "127.0.0.1:4222", Protocol: "nats", Description: "Where --nats-url points; without it, `taskpoller run` starts an embedded NATS server here. JetStream streams: " + s.StreamName(events.RegistrationsRole) + " (registrations) and " + s.StreamName(events.EventsRole) + " (events)."},
		},
		DefaultContentType: events.ContentType,
		Channels:           chans,
		Operations:         operations(),
	}, nil
}

// operations are a worker's operations on the channels.
func operations() map[string]Operation {
	op := func(action, channel, message, title, description string) Operation {
		return Operation{
			Action: action, Channel: Ref{"#/channels/" + channel}, Title: title, Description: description,
			Messages: []Ref{{"#/channels/" + channel + "/messages/" + message}},
		}
	}
	out := map[string]Operation{
		"receiveRegistration": op(Receive, ChannelRegistered, MessageRegistration, "Take registrations",
			"Workers read registrations from the registrations stream with one durable consumer (taskpoller-workers) and track each task until it ends."),
		"sendDiscoveredRegistration": op(Send, ChannelRegistered, MessageRegistration, "Register discovered tasks",
			"With --discover-regions, a worker lists each region's tasks and registers those nobody registered as a producer would, with origin discovered."),
		"sendInvalid": op(Send, ChannelInvalid, MessageInvalid, "Report refused registrations",
			"A registration a worker refuses is reported once (its id derives from the registration's stream sequence) and never retried."),
	}
	for _, k := range events.Kinds {
		out["send"+camel(string(k))] = op(Send, string(k), string(k), "Publish "+k.Type(),
			fmt.Sprintf("A worker records the event under its lease on the task before publishing it, and JetStream stores it only if the task's last event is the one the worker expects: a worker that lost the task announces nothing.%s", terminalNote(k)))
	}
	return out
}

// terminalNote is what an operation's description adds for a terminal kind.
func terminalNote(k events.Kind) string {
	if k.Terminal() {
		return " Terminal: the task's one event on finished or failed, after which it is no longer tracked."
	}
	return ""
}

// camel makes a snake_case token CamelCase: status_changed → StatusChanged.
func camel(s string) string {
	b := []byte(s)
	out := b[:0]
	up := true
	for _, c := range b {
		if c == '_' {
			up = true
			continue
		}
		if up && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		up = false
		out = append(out, c)
	}
	return string(out)
}

// schemaDescription returns the description of the embedded schema called name.
func schemaDescription(name string) (string, error) {
	raw, err := events.Schema(name)
	if err != nil {
		return "", err
	}
	var head struct {
		Description string `json:"description"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return "", fmt.Errorf("schema %s: %w", name, err)
	}
	return head.Description, nil
}

// JSON returns the document as indented JSON, ending with a newline.
func (d Document) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode AsyncAPI document: %w", err)
	}
	return append(b, '\n'), nil
}
