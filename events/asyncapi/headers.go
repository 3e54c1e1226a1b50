package asyncapi

import "github.com/taskpoller/taskpoller/events"

// headers is the JSON Schema of a message's NATS headers: an object of the headers named in
// Properties (others may be present: JetStream adds its own).
type headers struct {
	Type       string              `json:"type"`
	Required   []string            `json:"required,omitempty"`
	Properties map[string]property `json:"properties"`
}

// eventHeaders is the schema of the headers of every event (task events and P.invalid).
func eventHeaders() (Schema, error) {
	return encodeSchema(headers{
		Type:     "object",
		Required: []string{"Content-Type", "Nats-Msg-Id"},
		Properties: map[string]property{
			"Content-Type": {Const: events.ContentType, Description: "CloudEvents in structured mode: the payload is the whole event."},
			"Nats-Msg-Id":  {Type: "string", Description: "The event's id (its CloudEvents id): deterministic per task and transition, so JetStream stores a republished event once."},
		},
	})
}

// registrationHeaders is the schema of the headers of a registration: none is required.
func registrationHeaders() (Schema, error) {
	return encodeSchema(headers{
		Type: "object",
		Properties: map[string]property{
			"Nats-Msg-Id": {Type: "string", Description: "Optional. With JetStream, register/<region_id>/<task_id> (discover/... for a worker's discovery, events.RegistrationMsgID): a retried registration is stored once within the registrations stream's duplicate window."},
		},
	})
}
