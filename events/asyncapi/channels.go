package asyncapi

import (
	"fmt"
	"strings"

	"github.com/taskpoller/taskpoller/events"
)

// Channel ids of the subjects that are not task events; a task event's channel id is its Kind.
const (
	ChannelRegistered = "registered"
	ChannelInvalid    = "invalid"
)

// Message ids, one message per channel: a task event's message id is its Kind.
const (
	MessageRegistration = "registration"
	MessageInvalid      = "registration_invalid"
)

// eventParameters are the tokens of a task event's subject, in their order, after the prefix
// and the kind: <prefix>.<kind>.{region}.{action}.{task} (events.Subjects.Event).
var eventParameters = []string{"region", "action", "task"}

// EventAddress is the address of the channel of task events of kind k:
// <prefix>.<kind>.{region}.{action}.{task}.
func EventAddress(s events.Subjects, k events.Kind) string {
	return strings.TrimSuffix(s.Kind(k), ">") + "{" + strings.Join(eventParameters, "}.{") + "}"
}

// channels returns every channel of the contract, by id.
func channels(s events.Subjects) (map[string]Channel, error) {
	reg, err := registrationMessage()
	if err != nil {
		return nil, err
	}
	inv, err := cloudEventMessage(MessageInvalid, events.TypeInvalid, events.InvalidDataSchema, events.SchemaInvalid)
	if err != nil {
		return nil, err
	}
	out := map[string]Channel{
		ChannelRegistered: {
			Address:     s.Registered(),
			Title:       "Registrations",
			Description: "Task registrations, in: producers publish one JSON object per task, with core NATS or JetStream (stream " + s.StreamName(events.RegistrationsRole) + " captures both). A registration the worker refuses is reported on " + s.Invalid() + " and never retried.",
			Messages:    map[string]Message{MessageRegistration: reg},
		},
		ChannelInvalid: {
			Address:     s.Invalid(),
			Title:       "Refused registrations",
			Description: "One " + events.TypeInvalid + " CloudEvent per registration a worker refused (not JSON, a missing field, a malformed id, oversized metadata), with the reason and the payload. Stored in stream " + s.StreamName(events.EventsRole) + ".",
			Messages:    map[string]Message{MessageInvalid: inv},
		},
	}
	params := map[string]Parameter{
		"region": {Description: "The task's region id (region_id of its registration): lowercase letters, digits and '-'.", Examples: []string{"cn-hangzhou"}, Location: "$message.payload#/data/region_id"},
		"action": {Description: "ECS's TaskAction (ExportImage, ImportImage, ModifyDiskSpec, ...) as a subject token: at most 64 bytes, any character other than a letter, a digit, '-' or '_' made '_'; unknown when ECS never said.", Examples: []string{"ExportImage", "unknown"}, Location: "$message.payload#/data/task_action"},
		"task":   {Description: "The task id (task_id of its registration, the event's subject).", Examples: []string{"t-bp1hc3ejzkd8zy3g0x5j"}, Location: "$message.payload#/data/task_id"},
	}
	for _, k := range events.Kinds {
		m, err := cloudEventMessage(string(k), k.Type(), k.DataSchema(), string(k))
		if err != nil {
			return nil, err
		}
		out[string(k)] = Channel{
			Address:     EventAddress(s, k),
			Title:       k.Type() + " events",
			Description: fmt.Sprintf("Task events of type %s, one subject per task; subscribe to %s for all of them. Stored in stream %s, whose consumers see each task's status changes once and in order, and exactly one terminal event (finished or failed) per task.", k.Type(), s.Kind(k), s.StreamName(events.EventsRole)),
			Parameters:  params,
			Messages:    map[string]Message{string(k): m},
		}
	}
	return out, nil
}

// registrationMessage is the message of P.registered: the registration schema.
func registrationMessage() (Message, error) {
	desc, err := schemaDescription(events.SchemaRegistration)
	if err != nil {
		return Message{}, err
	}
	h, err := registrationHeaders()
	if err != nil {
		return Message{}, err
	}
	p, err := bundle(events.SchemaRegistration, "", nil)
	if err != nil {
		return Message{}, err
	}
	return Message{Name: MessageRegistration, Title: "Registration", Summary: "A request to track one ECS task.", Description: desc, ContentType: "application/json", Headers: &h, Payload: p}, nil
}

// cloudEventMessage is the message of events of CloudEvents type typ: the cloudevent schema
// with that type and dataschema; dataName is the schema of its data.
func cloudEventMessage(id, typ, dataSchema, dataName string) (Message, error) {
	desc, err := schemaDescription(dataName)
	if err != nil {
		return Message{}, err
	}
	h, err := eventHeaders()
	if err != nil {
		return Message{}, err
	}
	summary := fmt.Sprintf("A CloudEvent of type %s, whose data is %s.", typ, dataSchema)
	p, err := bundle(events.SchemaCloudEvent, summary, map[string]string{"type": typ, "dataschema": dataSchema})
	if err != nil {
		return Message{}, err
	}
	return Message{Name: id, Title: typ, Summary: summary, Description: desc, ContentType: events.ContentType, Headers: &h, Payload: p}, nil
}
