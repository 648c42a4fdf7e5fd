package postgres

import (
	"fmt"
	"testing"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
	"sitrep/internal/store/duck"
	"sitrep/internal/testenv"
)

// BenchmarkTicket measures one ticket's life on each records engine: opened, triaged, noted,
// closed, each change after reading the ticket, as the incident service does.
//
//	go test -run '^$' -bench Ticket ./internal/store/postgres
func BenchmarkTicket(b *testing.B) {
	engines := map[string]func(b *testing.B) store.Records{
		"embedded": func(b *testing.B) store.Records {
			d, err := duck.Open(ctx, b.TempDir(), duck.Options{})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
			return d
		},
		"postgres": func(b *testing.B) store.Records {
			d, err := Open(ctx, testenv.PostgresDatabase(b, testenv.PostgresServer(b)))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { d.Close() })
			return d
		},
	}
	for _, name := range []string{"embedded", "postgres"} {
		b.Run(name, func(b *testing.B) {
			st := engines[name](b)
			b.ResetTimer()
			for i := range b.N {
				id := fmt.Sprintf("INC-%08d", i)
				at := day.Add(time.Duration(i) * time.Second)
				if err := st.CreateTicket(ctx, store.Ticket{Incident: event.Incident{ID: id, Opened: at, Type: event.PhishingIncident}},
					store.TicketEntry{At: at, Actor: "ana", Action: "open", To: "new"}); err != nil {
					b.Fatal(err)
				}
				for _, e := range []store.TicketEntry{
					{At: at, Actor: "ana", Action: "transition", From: "new", To: "triaged"},
					{At: at, Actor: "ana", Action: "note", Note: "called the registrar"},
					{At: at, Actor: "ana", Action: "transition", From: "triaged", To: "closed"},
				} {
					tk, err := st.Ticket(ctx, id)
					if err != nil {
						b.Fatal(err)
					}
					if err := st.AppendTicket(ctx, id, tk.Seq, []store.TicketEntry{e}, store.TicketChange{}); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
