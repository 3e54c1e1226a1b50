package natsjs

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/taskpoller/taskpoller/events"
)

// A registration naming no account is the Source's own account's; one naming another served
// account is forwarded; any other is refused, naming the accounts it may name.
func TestAccountsRoute(t *testing.T) {
	fwd := func(context.Context, events.Registration) error { return nil }
	def := Accounts{Self: "platform", Names: []string{"prod-eu", "staging"}, Forward: fwd}
	own := Accounts{Self: "prod-eu"}
	none := Accounts{}
	reg := func(account string) events.Registration {
		return events.Registration{Account: account, RegionID: "cn-hangzhou", TaskID: "t-1"}
	}
	for _, tt := range []struct {
		name    string
		a       Accounts
		account string
		want    routing
		as      string
	}{
		{"none at the default", def, "", routeRecord, "platform"},
		{"the default by name", def, "platform", routeRecord, "platform"},
		{"another served account", def, "prod-eu", routeForward, "prod-eu"},
		{"an unknown account", def, "nobody", routeRefuse, "nobody"},
		{"none at a named account's own stream", own, "", routeRecord, "prod-eu"},
		{"another account at a named account's stream", own, "staging", routeRefuse, "staging"},
		{"none without accounts", none, "", routeRecord, ""},
		{"any account without accounts", none, "prod-eu", routeRefuse, "prod-eu"},
	} {
		got, how, err := tt.a.route(reg(tt.account))
		if how != tt.want || got.Account != tt.as {
			t.Errorf("%s: route = %v as %q, want %v as %q", tt.name, how, got.Account, tt.want, tt.as)
		}
		if (how == routeRefuse) != (err != nil) || (err != nil && !errors.Is(err, events.ErrInvalidRegistration)) {
			t.Errorf("%s: error %v", tt.name, err)
		}
	}
	_, _, err := def.route(reg("nobody"))
	if !strings.Contains(err.Error(), "platform, prod-eu, staging") {
		t.Errorf("the refusal does not name the accounts served: %v", err)
	}
}
