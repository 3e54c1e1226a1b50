package main

import (
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

const schemaUsage = `Usage: taskpoller schema [name]

Without a name, lists the JSON Schemas (draft 2020-12) of the registration message and of
the events: name, $id, title. With one, prints that schema; name may also be its $id, which
is an event's dataschema (e.g. urn:taskpoller:events:v1:finished). The schemas are the files
events/schema/<name>.schema.json of the source, built into this binary.
`

// schema lists the schemas of the contract, or prints the one args names.
func schema(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("schema", flag.ContinueOnError)
	fl.SetOutput(stderr)
	fl.Usage = func() { fmt.Fprint(stderr, schemaUsage) }
	if err := fl.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	switch fl.NArg() {
	case 0:
		return listSchemas(stdout)
	case 1:
		b, err := events.Schema(fl.Arg(0))
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no schema %q; there are: %s", fl.Arg(0), strings.Join(events.SchemaNames(), ", "))
		}
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	fmt.Fprintf(stderr, "unexpected arguments: %v\n\n%s", fl.Args()[1:], schemaUsage)
	return errUsage
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
