package natsjs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/taskpoller/taskpoller/events"
)

// Accounts is how a Source treats the account a registration names (taskpoller run
// --accounts): Self is the account of the Source's own streams — a registration naming none
// is Self's —, and Forward hands a registration of another account the fleet serves to that
// account's registrations stream (the fleet's default account forwards; the others take only
// their own). A registration naming an account that is neither Self nor in Names is refused
// on <prefix>.invalid, with the accounts it may name. The zero Accounts (no accounts file)
// takes registrations naming none and refuses any other.
type Accounts struct {
	Self  string   // "" without an accounts file
	Names []string // the accounts Forward takes, Self left out
	// Forward stores r in its account's registrations stream; nil: nothing is forwarded.
	// Called from several recorders at once.
	Forward func(ctx context.Context, r events.Registration) error
	// Served reports whether another worker of the fleet serves account name (its
	// registrations stream exists), for a registration naming an account this worker does not
	// know: it is forwarded then, not refused, so a fleet rolling to an accounts file with a
	// new account loses none of its registrations. An error hands the registration back. nil:
	// an unknown account is refused.
	Served func(ctx context.Context, name string) (bool, error)
}

// WithAccounts makes a Source sort registrations by account (see Accounts).
func WithAccounts(a Accounts) Option { return func(o *options) { o.accounts = a } }

// routing is what a Source does with a registration, by its account.
type routing int

const (
	routeRecord  routing = iota // the Source's own account: record it
	routeForward                // another account the fleet serves: forward it
	routeRefuse                 // an account the fleet does not serve
)

// route decides what to do with r, and returns r with its account filled in (Self when it
// names none) and, to refuse it, why.
func (a Accounts) route(r events.Registration) (events.Registration, routing, error) {
	if r.Account == "" {
		r.Account = a.Self
	}
	switch {
	case r.Account == a.Self:
		return r, routeRecord, nil
	case a.Forward != nil && slices.Contains(a.Names, r.Account):
		return r, routeForward, nil
	}
	served := append([]string{a.Self}, a.Names...)
	if a.Self == "" {
		served = served[1:]
	}
	want := "this fleet serves no named account (taskpoller run --accounts)"
	if len(served) > 0 {
		want = "want one of " + strings.Join(served, ", ") + " (or none: " + served[0] + ")"
	}
	return r, routeRefuse, fmt.Errorf("%w: account %q is not an account of this fleet: %s", events.ErrInvalidRegistration, r.Account, want)
}
