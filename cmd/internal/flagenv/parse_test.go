package flagenv

import (
	"errors"
	"flag"
	"slices"
	"strings"
	"testing"
)

// Every refusal is an ErrUsage error, written to the flag set's output once; --help is
// flag.ErrHelp; ParseArgs leaves up to most arguments; a nil lookup reads no environment.
func TestParseArgsRefusals(t *testing.T) {
	env := map[string]string{"X_N": "7", "X_BAD": "nope"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	tests := []struct {
		args   []string
		most   int
		lookup func(string) (string, bool)
		err    error  // nil: accepted
		output string // written to the flag set's output
		n      int    // --n after parsing, when accepted
		rest   []string
	}{
		{[]string{"--n", "3"}, 0, nil, nil, "", 3, nil},
		{nil, 0, lookup, ErrUsage, `X_BAD="nope": parse error`, 1, nil},
		{[]string{"a", "b"}, 1, nil, ErrUsage, `unexpected arguments: ["b"]`, 1, nil},
		{[]string{"--nope"}, 0, nil, ErrUsage, "flag provided but not defined: -nope", 1, nil},
		{[]string{"--help"}, 0, nil, flag.ErrHelp, "Usage of t", 1, nil},
		{[]string{"a"}, 1, nil, nil, "", 1, []string{"a"}},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		var out strings.Builder
		fs.SetOutput(&out)
		n := fs.Int("n", 1, "")
		if tt.lookup != nil {
			fs.Int("bad", 1, "")
		}
		err := ParseArgs(fs, tt.args, tt.most, "X_", tt.lookup)
		if !errors.Is(err, tt.err) || (tt.err == flag.ErrHelp && errors.Is(err, ErrUsage)) {
			t.Errorf("%q: err = %v, want %v", tt.args, err, tt.err)
		}
		if tt.output == "" && out.Len() > 0 || tt.output != "" && strings.Count(out.String(), tt.output) != 1 {
			t.Errorf("%q: output %q, want %q once", tt.args, out.String(), tt.output)
		}
		if tt.err == nil && (*n != tt.n || !slices.Equal(fs.Args(), tt.rest)) {
			t.Errorf("%q: n = %d, args %q; want %d, %q", tt.args, *n, fs.Args(), tt.n, tt.rest)
		}
	}
}

// The message of a refusal is its cause's: a command printing it says nothing twice.
func TestRefusalMessageIsTheCause(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(&strings.Builder{})
	err := Parse(fs, []string{"x"}, "X_", nil)
	if got, want := err.Error(), `unexpected arguments: ["x"]`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}
