package ecsapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/taskpoller/taskpoller/cmd/ecs-emulator/ecsemu"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/ecsapi"
)

// What each refusal blames, through the SDK and the emulator's checks: a credential ECS
// rejects and a missing one are credential faults, a denied call a permission fault — the
// only one after which polling with another API can help.
func TestRefusalsNameTheirFault(t *testing.T) {
	emu, err := ecsemu.New(ecsemu.WithCredentials("ak", "secret"), ecsemu.WithCredentials("denied", "secret"),
		ecsemu.WithDeniedAccessKey("denied"))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	client := func(id, secret string) *ecsapi.Client {
		c, err := ecsapi.New(ecsapi.Config{Endpoint: emu.URL(), Credential: mustCred(t, id, secret)})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name string
		c    *ecsapi.Client
		want poller.Fault
	}{
		{"wrong secret", client("ak", "nope"), poller.FaultCredentials},
		{"unknown key", client("who", "secret"), poller.FaultCredentials},
		{"denied", client("denied", "secret"), poller.FaultPermission},
	} {
		_, err := tc.c.DescribeTask(ctx, "cn-hangzhou", "t-1")
		if got := poller.WorkerFault(err); got != tc.want {
			t.Errorf("%s: DescribeTaskAttribute fault %s, want %s (%v)", tc.name, got, tc.want, err)
		}
		_, err = tc.c.DescribeTasks(ctx, "cn-hangzhou", []string{"t-1"})
		if got := poller.WorkerFault(err); got != tc.want {
			t.Errorf("%s: DescribeTasks fault %s, want %s (%v)", tc.name, got, tc.want, err)
		}
	}
}

// A failing default credential chain is a credential fault (ErrNoCredentials), not a client
// failure of unknown cause. Not parallel: the chain reads HOME and the environment.
func TestMissingCredentialsAreACredentialFault(t *testing.T) {
	useHome(t, nil)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{}`)) }))
	defer srv.Close()
	c, err := ecsapi.New(ecsapi.Config{Endpoint: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeTasks(context.Background(), "cn-hangzhou", []string{"t-1"})
	if !errors.Is(err, poller.ErrNoCredentials) || poller.WorkerFault(err) != poller.FaultCredentials || poller.ErrorCode(err) != "ClientError" {
		t.Errorf("err %v: is ErrNoCredentials %v, fault %s, code %s; want true, credentials, ClientError",
			err, errors.Is(err, poller.ErrNoCredentials), poller.WorkerFault(err), poller.ErrorCode(err))
	}
}
