package asyncapi

import "encoding/json"

// Version is the AsyncAPI version of the document.
const Version = "3.0.0"

// SchemaFormat is the schemaFormat of every payload and headers schema: JSON Schema draft
// 2020-12, the draft of the schemas of package events.
const SchemaFormat = "application/schema+json;version=draft-2020-12"

// Document is the subset of an AsyncAPI 3.0.0 document that taskpoller's contract uses. It
// encodes as the document itself (encoding/json sorts map keys, so the encoding is stable).
type Document struct {
	AsyncAPI           string               `json:"asyncapi"`
	ID                 string               `json:"id"`
	Info               Info                 `json:"info"`
	Servers            map[string]Server    `json:"servers"`
	DefaultContentType string               `json:"defaultContentType"`
	Channels           map[string]Channel   `json:"channels"`
	Operations         map[string]Operation `json:"operations"`
}

// Info is the document's Info Object.
type Info struct {
	Title       string   `json:"title"`
	Version     string   `json:"version"`
	Description string   `json:"description"`
	License     *License `json:"license,omitempty"`
}

// License is an Info Object's license.
type License struct {
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// Server is a Server Object: where the channels are.
type Server struct {
	Host        string `json:"host"`
	Protocol    string `json:"protocol"`
	Description string `json:"description,omitempty"`
}

// Channel is a Channel Object: one subject, or a family of them whose tokens are Parameters.
type Channel struct {
	Address     string               `json:"address"`
	Title       string               `json:"title,omitempty"`
	Description string               `json:"description,omitempty"`
	Parameters  map[string]Parameter `json:"parameters,omitempty"`
	Messages    map[string]Message   `json:"messages"`
}

// Parameter is a Parameter Object: a token of a channel's address, written {name} there.
type Parameter struct {
	Description string   `json:"description"`
	Examples    []string `json:"examples,omitempty"`
	Location    string   `json:"location,omitempty"` // where in a message the value is, e.g. $message.payload#/data/region_id
}

// Message is a Message Object.
type Message struct {
	Name        string  `json:"name"`
	Title       string  `json:"title,omitempty"`
	Summary     string  `json:"summary,omitempty"`
	Description string  `json:"description,omitempty"`
	ContentType string  `json:"contentType"`
	Headers     *Schema `json:"headers,omitempty"`
	Payload     Schema  `json:"payload"`
}

// Schema is a Multi Format Schema Object: a JSON Schema in SchemaFormat.
type Schema struct {
	SchemaFormat string          `json:"schemaFormat"`
	Schema       json.RawMessage `json:"schema"`
}

// Operation is an Operation Object, from a worker's side: Action is "send" or "receive".
type Operation struct {
	Action      string `json:"action"`
	Channel     Ref    `json:"channel"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Messages    []Ref  `json:"messages"`
}

// Ref is a Reference Object: a JSON pointer into the document, e.g. "#/channels/invalid".
type Ref struct {
	Ref string `json:"$ref"`
}
