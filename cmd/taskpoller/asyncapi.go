package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"sigs.k8s.io/yaml"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/asyncapi"
)

// asyncapiHelp is the help of `taskpoller asyncapi`.
const asyncapiHelp = `Prints the AsyncAPI 3.0.0 document of the NATS contract: a channel per subject (P.registered,
P.invalid, P.<kind>.{region}.{action}.{task} for each kind of task event), the message each
carries with its headers, and a worker's operations on them (it receives registrations, and
sends every event). Each payload is a JSON Schema draft 2020-12 that bundles the schemas of
"taskpoller schema" it needs. docs/asyncapi.yaml in the source is the document of the default
prefix ("make asyncapi" writes it).
`

// Output formats of `taskpoller asyncapi`.
const (
	formatYAML = "yaml"
	formatJSON = "json"
)

// asyncapiConfig is the configuration of `taskpoller asyncapi`.
type asyncapiConfig struct {
	SubjectPrefix string
	Format        string // formatYAML or formatJSON
}

func (c *asyncapiConfig) flags() *flag.FlagSet {
	fs := flag.NewFlagSet("asyncapi", flag.ContinueOnError)
	fs.StringVar(&c.SubjectPrefix, "subject-prefix", events.DefaultPrefix, "prefix of every NATS subject")
	fs.StringVar(&c.Format, "format", formatYAML, "output format: yaml or json")
	return fs
}

// Validate checks the prefix as a worker would, and the format.
func (c *asyncapiConfig) Validate() error {
	if _, err := events.NewSubjects(c.SubjectPrefix); err != nil {
		return fmt.Errorf("--subject-prefix: %w", err)
	}
	if c.Format != formatYAML && c.Format != formatJSON {
		return fmt.Errorf("--format %q: want yaml or json", c.Format)
	}
	return nil
}

// printAsyncAPI writes the AsyncAPI document of cfg's prefix to stdout, in cfg's format.
func printAsyncAPI(_ context.Context, cfg asyncapiConfig, stdout, _ io.Writer) error {
	b, err := asyncapiDocument(cfg.SubjectPrefix, cfg.Format)
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

// asyncapiDocument is the AsyncAPI document of prefix, encoded in format.
func asyncapiDocument(prefix, format string) ([]byte, error) {
	s, err := events.NewSubjects(prefix)
	if err != nil {
		return nil, err
	}
	d, err := asyncapi.New(s)
	if err != nil {
		return nil, err
	}
	b, err := d.JSON()
	if err != nil || format == formatJSON {
		return b, err
	}
	y, err := yaml.JSONToYAML(b)
	if err != nil {
		return nil, fmt.Errorf("AsyncAPI document as YAML: %w", err)
	}
	return append([]byte(yamlHeader), y...), nil
}

// yamlHeader starts the YAML document: what wrote it.
const yamlHeader = "# The AsyncAPI 3.0.0 document of taskpoller's NATS contract, written by `taskpoller asyncapi`\n# (docs/asyncapi.yaml: `make asyncapi`). Generated from the code: do not edit.\n"
