package memory_test

import (
	"sync"
	"testing"
	"time"

	"github.com/taskpoller/taskpoller/events"
	"github.com/taskpoller/taskpoller/poller"
	"github.com/taskpoller/taskpoller/poller/memory"
	"github.com/taskpoller/taskpoller/poller/porttest"
)

func TestJournalKeepsThePublisherContract(t *testing.T) {
	porttest.Publisher(t, func(*testing.T) poller.Publisher { return memory.NewJournal() })
}

func TestJournalPastTheWindowStillFences(t *testing.T) {
	porttest.Publisher(t, func(*testing.T) poller.Publisher {
		j := memory.NewJournal()
		j.SetDedup(false)
		return j
	})
}

func TestStoreKeepsTheStateStoreContract(t *testing.T) {
	porttest.StateStore(t, func(*testing.T) poller.StateStore { return memory.NewStore() })
}

func TestSourceKeepsTheSourceContract(t *testing.T) {
	porttest.Source(t, func(*testing.T) (poller.Source, func(events.Registration)) {
		src := memory.NewQueue().Source()
		return src, func(r events.Registration) { src.Register(r) }
	})
}

func TestDiscoveryKeepsTheDiscoveryStoreContract(t *testing.T) {
	porttest.DiscoveryStore(t, func(*testing.T) poller.DiscoveryStore { return memory.NewDiscovery(300 * time.Millisecond) })
}

func TestRegistrarKeepsTheRegistrarContract(t *testing.T) {
	porttest.Registrar(t, func(*testing.T) (poller.Registrar, func() []events.Registration) {
		var mu sync.Mutex
		var got []events.Registration
		r := memory.NewRegistrations(2 * time.Minute).Registrar(func(reg events.Registration) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, reg)
		})
		return r, func() []events.Registration {
			mu.Lock()
			defer mu.Unlock()
			return append([]events.Registration(nil), got...)
		}
	})
}
