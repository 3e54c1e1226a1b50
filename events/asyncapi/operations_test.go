package asyncapi_test

import (
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/events/asyncapi"
)

// Every reference of an operation names a channel of the document and a message of that
// channel (the AsyncAPI JSON Schema cannot check this); a worker receives registrations and
// sends every event.
func TestOperationsReferToTheDocument(t *testing.T) {
	d := document(t, events.DefaultPrefix)
	sends, receives := map[string]bool{}, map[string]bool{}
	for id, op := range d.Operations {
		ch, ok := strings.CutPrefix(op.Channel.Ref, "#/channels/")
		if _, exists := d.Channels[ch]; !ok || !exists {
			t.Errorf("operation %s: channel %q is not in the document", id, op.Channel.Ref)
			continue
		}
		for _, m := range op.Messages {
			msg, ok := strings.CutPrefix(m.Ref, "#/channels/"+ch+"/messages/")
			if _, exists := d.Channels[ch].Messages[msg]; !ok || !exists {
				t.Errorf("operation %s: message %q is not a message of channel %s", id, m.Ref, ch)
			}
		}
		switch op.Action {
		case asyncapi.Send:
			sends[ch] = true
		case asyncapi.Receive:
			receives[ch] = true
		default:
			t.Errorf("operation %s: action %q", id, op.Action)
		}
	}
	if !receives[asyncapi.ChannelRegistered] || !sends[asyncapi.ChannelInvalid] {
		t.Errorf("a worker receives on %v and sends on %v; want it to receive registrations and send refusals", receives, sends)
	}
	for _, k := range events.Kinds {
		if !sends[string(k)] || receives[string(k)] {
			t.Errorf("kind %s: a worker should send its events, and only send them", k)
		}
	}
}
