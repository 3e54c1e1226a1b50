package events

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"
)

// SchemaVersion is the version of the event contract. It changes only on incompatible
// changes; fields may be added within a version.
const SchemaVersion = "v1"

// schemaIDPrefix prefixes the $id of every schema of this version.
const schemaIDPrefix = "urn:taskpoller:events:" + SchemaVersion + ":"

// Names of the JSON Schemas (draft 2020-12) that describe the contract. The schema of the
// data of a task event is named after its kind (KindFinished: "finished").
const (
	SchemaRegistration = "registration"         // the payload producers publish on <prefix>.registered
	SchemaInvalid      = "registration_invalid" // the data of a TypeInvalid event
	SchemaTask         = "task"                 // what the data of every task event shares
	SchemaCloudEvent   = "cloudevent"           // a whole event, envelope and data, of any type
)

// SchemaID returns the $id of the schema called name: "urn:taskpoller:events:v1:<name>". This
// file is the only place schema ids are built; the dataschema of an event is the SchemaID of the
// schema of its data. The id is a name, not a location: the schema is the file
// schema/<name>.schema.json of this package (Schemas), which `taskpoller schema <name>` prints.
func SchemaID(name string) string { return schemaIDPrefix + name }

// SchemaName returns the name of the schema whose $id is id, and whether id is one of this
// version's (it does not say whether such a schema exists: see Schemas).
func SchemaName(id string) (string, bool) {
	name, ok := strings.CutPrefix(id, schemaIDPrefix)
	return name, ok && name != ""
}

// DataSchema returns the dataschema of events of kind k, the $id of the schema of their data
// ("" for an unknown kind).
func (k Kind) DataSchema() string {
	if k.Type() == "" {
		return ""
	}
	return SchemaID(string(k))
}

// InvalidDataSchema is the dataschema of TypeInvalid events.
const InvalidDataSchema = schemaIDPrefix + SchemaInvalid

//go:embed schema/*.schema.json
var schemaFiles embed.FS

// schemaExt ends the name of every schema file.
const schemaExt = ".schema.json"

// Schemas returns the JSON Schemas of the contract, one file "<name>.schema.json" per schema,
// each with "$id" SchemaID(name). Schemas refer to one another by $id, so a validator needs
// them all.
func Schemas() fs.FS {
	sub, err := fs.Sub(schemaFiles, "schema")
	if err != nil {
		panic(fmt.Sprintf("events: embedded schemas: %v", err)) // cannot happen: "schema" is a valid path
	}
	return sub
}

// SchemaNames lists the names of the schemas in Schemas, sorted.
func SchemaNames() []string {
	entries, _ := fs.ReadDir(Schemas(), ".") // embedded: cannot fail
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), schemaExt); ok {
			names = append(names, name)
		}
	}
	return names
}

// Schema returns the schema called name (or whose $id or file name is name), as its file
// holds it.
func Schema(name string) ([]byte, error) {
	if n, ok := SchemaName(name); ok {
		name = n
	}
	name = strings.TrimSuffix(name, schemaExt)
	if !fs.ValidPath(name) || strings.Contains(name, "/") {
		return nil, fmt.Errorf("schema %q: %w", name, fs.ErrNotExist)
	}
	b, err := fs.ReadFile(Schemas(), name+schemaExt)
	if err != nil {
		return nil, fmt.Errorf("schema %q: %w", name, err)
	}
	return b, nil
}
