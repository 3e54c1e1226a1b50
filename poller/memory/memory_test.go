package memory_test

import (
	"testing"

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
