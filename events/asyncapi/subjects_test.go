package asyncapi_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/asyncapi"
)

// quotedParameter is a {parameter} of an address once regexp.QuoteMeta has escaped it.
var quotedParameter = regexp.MustCompile(`\\\{([a-z]+)\\\}`)

// addressPattern matches the subjects of a channel address: each {parameter} is one token.
func addressPattern(address string) *regexp.Regexp {
	return regexp.MustCompile("^" + quotedParameter.ReplaceAllString(regexp.QuoteMeta(address), `([^.]+)`) + "$")
}

// built is a subject the code builds, and the channel it must be on.
type built struct {
	subject, channel string
	params           map[string]string // the address's parameters in it
}

// builtSubjects are the subjects events.Subjects builds for publishing and registering, each
// with the channel it belongs to ("" for one the document leaves out on purpose).
func builtSubjects(t *testing.T, s events.Subjects) []built {
	t.Helper()
	out := []built{
		{subject: s.Registered(), channel: asyncapi.ChannelRegistered},
		{subject: s.Invalid(), channel: asyncapi.ChannelInvalid},
		// Worker to worker, core NATS, no schema in the contract (docs/architecture.md): not
		// part of the public contract, so no channel.
		{subject: s.Throttled()},
	}
	for _, k := range events.Kinds {
		for _, action := range []string{"ExportImage", "", "Odd Action/1.0"} {
			subject := s.Event(k, "cn-hangzhou", action, "t-bp1hc3ejzkd8zy3g0x5j")
			_, region, token, task, ok := s.ParseEvent(subject)
			if !ok {
				t.Fatalf("ParseEvent(%s) refused what Event built", subject)
			}
			out = append(out, built{subject: subject, channel: string(k), params: map[string]string{"region": region, "action": token, "task": task}})
		}
	}
	return out
}

// Every subject the code builds is on exactly one channel (the right one, with the right
// parameters), except the fleet's internal one on none; and every channel holds a subject the
// code builds. Event subjects come from events.Subjects.Event, not from the addresses.
func TestChannelsAreTheSubjectsTheCodeBuilds(t *testing.T) {
	for _, prefix := range prefixes {
		s, _ := events.NewSubjects(prefix)
		d := document(t, prefix)
		used := map[string]bool{}
		for _, b := range builtSubjects(t, s) {
			var on []string
			for id, ch := range d.Channels {
				m := addressPattern(ch.Address).FindStringSubmatch(b.subject)
				if m == nil {
					continue
				}
				on = append(on, id)
				used[id] = true
				names := quotedParameter.FindAllStringSubmatch(regexp.QuoteMeta(ch.Address), -1)
				got := map[string]string{}
				for i, n := range names {
					got[n[1]] = m[i+1]
				}
				for name, want := range b.params {
					if got[name] != want {
						t.Errorf("%s on %s: {%s} = %q, want %q", b.subject, ch.Address, name, got[name], want)
					}
				}
				if len(got) != len(b.params) {
					t.Errorf("%s on %s: parameters %v, want %v", b.subject, ch.Address, got, b.params)
				}
			}
			var want []string
			if b.channel != "" {
				want = []string{b.channel}
			}
			if !slices.Equal(on, want) {
				t.Errorf("prefix %s: subject %s is on channels %v, want %v", prefix, b.subject, on, want)
			}
		}
		for id, ch := range d.Channels {
			if !used[id] {
				t.Errorf("prefix %s: channel %s (%s) holds no subject the code builds", prefix, id, ch.Address)
			}
		}
	}
}

// The parameters of each channel are those of its address, each described, with an example
// that makes a subject the code parses.
func TestChannelParameters(t *testing.T) {
	s, _ := events.NewSubjects(events.DefaultPrefix)
	d := document(t, events.DefaultPrefix)
	for id, ch := range d.Channels {
		var names []string
		for _, n := range quotedParameter.FindAllStringSubmatch(regexp.QuoteMeta(ch.Address), -1) {
			names = append(names, n[1])
		}
		var declared []string
		for name, p := range ch.Parameters {
			declared = append(declared, name)
			if p.Description == "" || len(p.Examples) == 0 {
				t.Errorf("channel %s: parameter %s lacks a description or an example", id, name)
			}
		}
		slices.Sort(declared)
		sorted := slices.Sorted(slices.Values(names))
		if !slices.Equal(declared, sorted) {
			t.Errorf("channel %s: parameters %v, its address %s has %v", id, declared, ch.Address, names)
		}
		if len(names) == 0 {
			continue
		}
		subject := ch.Address
		for name, p := range ch.Parameters {
			subject = regexp.MustCompile(`\{`+name+`\}`).ReplaceAllLiteralString(subject, p.Examples[0])
		}
		if k, _, _, _, ok := s.ParseEvent(subject); !ok || string(k) != id {
			t.Errorf("channel %s: its example subject %s parses as kind %q, %v", id, subject, k, ok)
		}
	}
}
