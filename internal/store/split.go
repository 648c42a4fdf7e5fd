package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Split is a store whose two parts are kept by engines of their own: the analytical part and
// the records part. Everything goes to the part it belongs to; what spans both is done here,
// without a transaction over both:
//
//   - a ticket is created or changed in the records part, then its counted row is written to
//     the analytical part (TicketRows). Should that write fail, the change stands and the row
//     is written by the next change or by Reconcile, which the opener runs;
//   - tickets are listed from the records part together with the incident records an ingest
//     brought into the analytical part (Imported), in one order;
//   - a new ticket ID is one neither part holds.
//
// Where the records part is shared by several processes (TicketChanges), each with a view of the
// analytical part, a change made through one process reaches the others' counted rows before
// their next count: a Split made by NewSplit follows the tickets changed since it last looked
// before it counts incidents or lists tickets.
type Split struct {
	Analytics
	Records
	follow *follower
}

// TicketChanges is offered by a records part that several processes may share: it lists the
// tickets changed since a point it named, so that the counted rows of every process follow the
// changes any of them made.
type TicketChanges interface {
	// TicketsChanged returns the tickets, without histories, changed since the point since (0:
	// all tickets), and the point to ask from next time. A ticket may come again; a change is
	// never missed, however the transactions that made it interleave.
	TicketsChanged(ctx context.Context, since uint64) (ts []Ticket, next uint64, err error)
}

// follower is where a Split last looked for changed tickets.
type follower struct {
	mu    sync.Mutex
	since uint64
}

// NewSplit joins the two parts; where the records part offers TicketChanges, the Split follows
// them.
func NewSplit(a Analytics, r Records) Split {
	s := Split{Analytics: a, Records: r}
	if _, ok := r.(TicketChanges); ok {
		s.follow = &follower{}
	}
	return s
}

// catchUp writes the counted rows of the tickets changed since the Split last looked.
func (s Split) catchUp(ctx context.Context) error {
	if s.follow == nil {
		return nil
	}
	s.follow.mu.Lock()
	defer s.follow.mu.Unlock()
	ts, next, err := s.Records.(TicketChanges).TicketsChanged(ctx, s.follow.since)
	if err != nil {
		return fmt.Errorf("follow the tickets' changes: %w", err)
	}
	if len(ts) > 0 {
		if err := s.Analytics.CountTickets(ctx, ts); err != nil {
			return fmt.Errorf("follow the tickets' changes: %w", err)
		}
	}
	s.follow.since = next
	return nil
}

// IncidentCounts implements Counter, counting the tickets as the records part leaves them.
func (s Split) IncidentCounts(ctx context.Context, r Range, sc Scope) (IncidentCounts, error) {
	if err := s.catchUp(ctx); err != nil {
		return IncidentCounts{}, err
	}
	return s.Analytics.IncidentCounts(ctx, r, sc)
}

// History implements Counter, counting the tickets as the records part leaves them.
func (s Split) History(ctx context.Context, bounds []time.Time, sc Scope) ([]Headline, error) {
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	return s.Analytics.History(ctx, bounds, sc)
}

var _ Store = Split{}

// StagingOf returns the Staging of the engine an ingest writes to, looking through a Split.
func StagingOf(st Ingest) (Staging, bool) {
	if sp, ok := st.(Split); ok {
		st = sp.Analytics
	}
	sg, ok := st.(Staging)
	return sg, ok
}

// Close closes both parts.
func (s Split) Close() error { return errors.Join(s.Analytics.Close(), s.Records.Close()) }

// Reconcile writes the counted row of every ticket, so that the statistics count each ticket
// as its history leaves it whatever a crash interrupted. Writing rows already written changes
// nothing.
func (s Split) Reconcile(ctx context.Context) error {
	if s.follow != nil {
		return s.catchUp(ctx)
	}
	ts, err := s.Records.ListTickets(ctx, TicketFilter{})
	if err != nil {
		return fmt.Errorf("reconcile tickets: %w", err)
	}
	if err := s.Analytics.CountTickets(ctx, ts); err != nil {
		return fmt.Errorf("reconcile tickets: %w", err)
	}
	return nil
}

// count writes ticket id's counted row after a change; a failure is left to Reconcile.
func (s Split) count(ctx context.Context, id string) {
	t, err := s.Records.Ticket(ctx, id)
	if err == nil {
		err = s.Analytics.CountTickets(ctx, []Ticket{t})
	}
	if err != nil {
		slog.Warn("a ticket changed but its row in the statistics was not written; the store's next opening writes it",
			"ticket", id, "err", err)
	}
}

// NextTicketID implements Tickets: an ID neither part holds.
func (s Split) NextTicketID(ctx context.Context) (string, error) {
	for {
		id, err := s.Records.NextTicketID(ctx)
		if err != nil {
			return "", err
		}
		imported, err := s.Analytics.ImportedIncidents(ctx, TicketFilter{ID: id, Limit: 1})
		if err != nil {
			return "", err
		}
		if len(imported) == 0 {
			return id, nil
		}
	}
}

// CreateTicket implements Tickets.
func (s Split) CreateTicket(ctx context.Context, t Ticket, first TicketEntry) error {
	imported, err := s.Analytics.ImportedIncidents(ctx, TicketFilter{ID: t.ID, Limit: 1})
	if err != nil {
		return err
	}
	if len(imported) > 0 {
		return fmt.Errorf("ticket %s %w", t.ID, ErrExists)
	}
	if err := s.Records.CreateTicket(ctx, t, first); err != nil {
		return err
	}
	s.count(ctx, t.ID)
	return nil
}

// AppendTicket implements Tickets. The first change to an imported incident record makes it a
// ticket, as it does in one store: the record moves into the records part with the change
// applied and the entries as its history, and its counted row becomes the ticket's.
func (s Split) AppendTicket(ctx context.Context, id string, seq int, entries []TicketEntry, change TicketChange) error {
	if seq == 0 {
		adopted, err := s.adopt(ctx, id, entries, change)
		if err != nil || adopted {
			return err
		}
	}
	if err := s.Records.AppendTicket(ctx, id, seq, entries, change); err != nil {
		return err
	}
	s.count(ctx, id)
	return nil
}

// adopt turns the imported incident record id into a ticket with entries as its first history,
// when the records part does not hold id; it says whether it did.
func (s Split) adopt(ctx context.Context, id string, entries []TicketEntry, change TicketChange) (bool, error) {
	if _, err := s.Records.Ticket(ctx, id); !errors.Is(err, ErrNotFound) {
		return false, err
	}
	imported, err := s.Analytics.ImportedIncidents(ctx, TicketFilter{ID: id, Limit: 1})
	if err != nil || len(imported) == 0 {
		return false, err
	}
	if len(entries) == 0 {
		return false, fmt.Errorf("ticket %s: a change needs a history entry", id)
	}
	t := imported[0]
	change.apply(&t)
	if err := s.Records.CreateTicket(ctx, t, entries[0]); errors.Is(err, ErrExists) {
		// Another change made it a ticket meanwhile: this one read it before that.
		return false, fmt.Errorf("ticket %s: %w", id, ErrConflict)
	} else if err != nil {
		return false, err
	}
	if len(entries) > 1 {
		if err := s.Records.AppendTicket(ctx, id, 1, entries[1:], TicketChange{}); err != nil {
			return true, err
		}
	}
	s.count(ctx, id)
	return true, nil
}

// Ticket implements Tickets: a ticket, or an imported incident record.
func (s Split) Ticket(ctx context.Context, id string) (Ticket, error) {
	t, err := s.Records.Ticket(ctx, id)
	if !errors.Is(err, ErrNotFound) {
		return t, err
	}
	imported, ierr := s.Analytics.ImportedIncidents(ctx, TicketFilter{ID: id, Limit: 1})
	if ierr != nil {
		return t, ierr
	}
	if len(imported) == 0 {
		return t, err
	}
	return imported[0], nil
}

// ListTickets implements Tickets: tickets and imported incident records, newest first.
func (s Split) ListTickets(ctx context.Context, f TicketFilter) ([]Ticket, error) {
	// An imported record another process made a ticket is no longer listed as imported.
	if err := s.catchUp(ctx); err != nil {
		return nil, err
	}
	ts, err := s.Records.ListTickets(ctx, f)
	if err != nil {
		return nil, err
	}
	imported, err := s.Analytics.ImportedIncidents(ctx, f)
	if err != nil {
		return nil, err
	}
	ts = append(ts, imported...)
	slices.SortStableFunc(ts, func(a, b Ticket) int {
		if c := b.Opened.Compare(a.Opened); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	if f.Limit > 0 && len(ts) > f.Limit {
		ts = ts[:f.Limit]
	}
	return ts, nil
}
