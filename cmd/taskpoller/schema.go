package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"text/tabwriter"

	"github.com/taskpoller/taskpoller/events"
)

// schemaHelp is the help of `taskpoller schema`.
const schemaHelp = `Without a name, lists the JSON Schemas (draft 2020-12) of the registration message and of
the events: name, $id, title. With one, prints that schema; name may also be its $id, which
is an event's dataschema (e.g. urn:taskpoller:events:v1:finished). The schemas are the files
events/schema/<name>.schema.json of the source, built into this binary.
`

// schemaConfig is the configuration of `taskpoller schema`: a schema's name, or none.
type schemaConfig struct {
	args []string // at most one: the schema's name; none: list them
}

func (c *schemaConfig) flags() *flag.FlagSet { return flag.NewFlagSet("schema", flag.ContinueOnError) }

func (c *schemaConfig) maxArgs() int { return 1 }

func (c *schemaConfig) setArgs(args []string) { c.args = args }

// Validate accepts any name: an unknown one is refused by schema, with the names there are.
func (c *schemaConfig) Validate() error { return nil }

// schema lists the schemas of the contract, or prints the one cfg names.
func schema(_ context.Context, cfg schemaConfig, stdout, _ io.Writer) error {
	if len(cfg.args) == 0 {
		return listSchemas(stdout)
	}
	name := cfg.args[0]
	b, err := events.Schema(name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no schema %q; there are: %s", name, strings.Join(events.SchemaNames(), ", "))
	}
	if err != nil {
		return err
	}
	_, err = stdout.Write(b)
	return err
}

// listSchemas prints one line per schema: its name, $id and title.
func listSchemas(out io.Writer) error {
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\t$ID\tTITLE")
	for _, name := range events.SchemaNames() {
		b, err := events.Schema(name)
		if err != nil {
			return err
		}
		var head struct {
			ID    string `json:"$id"`
			Title string `json:"title"`
		}
		if err := json.Unmarshal(b, &head); err != nil {
			return fmt.Errorf("schema %s: %w", name, err)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, head.ID, head.Title)
	}
	return tw.Flush()
}
