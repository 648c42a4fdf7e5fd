package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

var _ store.Tickets = (*DB)(nil)

// ticketSelect reads tickets with their state derived from the history: the last transition's
// state, or for a ticket without one, closed when it has a closing time.
const ticketSelect = `
SELECT t.id, t.opened, t.closed, t.type, coalesce(t.source, '') AS source, coalesce(t.partner, '') AS partner,
	coalesce(t.partner_kind, '') AS partner_kind, t.cross_border, coalesce(t.impact, 'none') AS impact,
	coalesce(t.url, '') AS url, coalesce(t.platform, '') AS platform, coalesce(t.tlp, 'CLEAR') AS tlp, t.due,
	coalesce(h.seq, 0) AS seq,
	coalesce(s.state, CASE WHEN t.closed IS NULL THEN 'new' ELSE 'closed' END) AS state
FROM tickets t
LEFT JOIN LATERAL (SELECT max(seq) AS seq FROM ticket_history WHERE ticket_id = t.id) h ON true
LEFT JOIN LATERAL (SELECT to_state AS state FROM ticket_history
	WHERE ticket_id = t.id AND to_state IS NOT NULL ORDER BY seq DESC LIMIT 1) s ON true`

func scanTicket(row pgx.Row) (store.Ticket, error) {
	var t store.Ticket
	var typ, tlp string
	err := row.Scan(&t.ID, &t.Opened, &t.Closed, &typ, &t.Source, &t.Partner, &t.PartnerKind, &t.CrossBorder, &t.Impact,
		&t.URL, &t.Platform, &tlp, &t.Due, &t.Seq, &t.State)
	t.Type, t.TLP = event.IncidentType(typ), event.TLP(tlp)
	t.Opened, t.Closed, t.Due = t.Opened.UTC(), utc(t.Closed), utc(t.Due)
	return t, err
}

// NextTicketID implements store.Tickets.
func (d *DB) NextTicketID(ctx context.Context) (string, error) {
	for {
		var n int64
		if err := d.pool.QueryRow(ctx, `SELECT nextval('ticket_ids')`).Scan(&n); err != nil {
			return "", err
		}
		id := fmt.Sprintf("INC-%06d", n)
		var taken bool
		if err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM tickets WHERE id = $1)`, id).Scan(&taken); err != nil {
			return "", err
		}
		if !taken {
			return id, nil
		}
	}
}

// CreateTicket implements store.Tickets.
func (d *DB) CreateTicket(ctx context.Context, t store.Ticket, first store.TicketEntry) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tickets (id, opened, closed, type, source, partner, partner_kind, cross_border,
			impact, url, platform, tlp, due) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
			t.ID, t.Opened.UTC(), nullTime(t.Closed), string(t.Type), null(t.Source), null(t.Partner), null(t.PartnerKind),
			t.CrossBorder, null(t.Impact), null(t.URL), null(t.Platform), null(string(t.TLP)), nullTime(t.Due))
		if uniqueViolation(err) {
			return fmt.Errorf("ticket %s %w", t.ID, store.ErrExists)
		}
		if err != nil {
			return fmt.Errorf("create ticket: %w", err)
		}
		first.Seq = 1
		if err := insertEntries(ctx, tx, t.ID, []store.TicketEntry{first}); err != nil {
			return err
		}
		return insertLinks(ctx, tx, t.ID, t.Links)
	})
}

func insertEntries(ctx context.Context, tx pgx.Tx, id string, entries []store.TicketEntry) error {
	for _, e := range entries {
		_, err := tx.Exec(ctx, `INSERT INTO ticket_history (ticket_id, seq, entered_at, actor, action, from_state, to_state, note)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, id, e.Seq, e.At.UTC(), e.Actor, e.Action, null(e.From), null(e.To), null(e.Note))
		if uniqueViolation(err) {
			return fmt.Errorf("ticket %s: %w", id, store.ErrConflict)
		}
		if err != nil {
			return fmt.Errorf("append to ticket %s: %w", id, err)
		}
	}
	return nil
}

func insertLinks(ctx context.Context, tx pgx.Tx, id string, links []store.Link) error {
	for _, l := range links {
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_links (ticket_id, kind, value) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			id, l.Kind, l.Value); err != nil {
			return fmt.Errorf("link ticket %s: %w", id, err)
		}
	}
	return nil
}

// Ticket implements store.Tickets. The ticket, its history and its links are read in one
// snapshot, so that a change made meanwhile is seen whole or not at all.
func (d *DB) Ticket(ctx context.Context, id string) (store.Ticket, error) {
	var t store.Ticket
	if !storable(id) {
		return t, fmt.Errorf("ticket %q: %w", id, store.ErrNotFound)
	}
	err := pgx.BeginTxFunc(ctx, d.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		t, err = scanTicket(tx.QueryRow(ctx, ticketSelect+` WHERE t.id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("ticket %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `SELECT seq, entered_at, actor, action, coalesce(from_state, ''), coalesce(to_state, ''), coalesce(note, '')
			FROM ticket_history WHERE ticket_id = $1 ORDER BY seq`, id)
		t.History, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.TicketEntry, error) {
			var e store.TicketEntry
			err := row.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Note)
			e.At = e.At.UTC()
			return e, err
		})
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, `SELECT kind, value FROM ticket_links WHERE ticket_id = $1 ORDER BY kind, value`, id)
		t.Links, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Link, error) {
			var l store.Link
			return l, row.Scan(&l.Kind, &l.Value)
		})
		if len(t.Links) == 0 {
			t.Links = nil
		}
		return err
	})
	return t, err
}

// AppendTicket implements store.Tickets. The ticket's row is locked first, so that of two
// changes made at once the second waits and then finds that the history moved on.
func (d *DB) AppendTicket(ctx context.Context, id string, seq int, entries []store.TicketEntry, c store.TicketChange) error {
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if c.Partner != nil {
		set("partner", null(c.Partner.Name))
		set("partner_kind", null(c.Partner.Kind))
	}
	if c.CrossBorder != nil {
		set("cross_border", *c.CrossBorder)
	}
	if c.Closed != nil {
		set("closed", c.Closed.UTC())
	}
	if c.Due != nil {
		set("due", c.Due.UTC())
	}
	if c.TLP != nil {
		set("tlp", string(*c.TLP))
	}
	sets = append(sets, "changed = pg_current_xact_id()")
	return d.inTx(ctx, func(tx pgx.Tx) error {
		var from string
		err := tx.QueryRow(ctx, `SELECT coalesce(tlp, 'CLEAR') FROM tickets WHERE id = $1 FOR UPDATE`, id).Scan(&from)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("ticket %s: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		var last int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM ticket_history WHERE ticket_id = $1`, id).Scan(&last); err != nil {
			return err
		}
		if last != seq {
			return fmt.Errorf("ticket %s: %w", id, store.ErrConflict)
		}
		for i := range entries {
			entries[i].Seq = seq + 1 + i
		}
		if err := insertEntries(ctx, tx, id, entries); err != nil {
			return err
		}
		if c.TLP != nil {
			detail := fmt.Sprintf("TLP:%s → TLP:%s", from, *c.TLP)
			var actor string
			if len(entries) > 0 {
				last := entries[len(entries)-1]
				if actor = last.Actor; last.Note != "" {
					detail = last.Note
				}
			}
			if err := audit(ctx, tx, store.AuditEntry{At: time.Now(), Actor: actor, Action: "ticket.relabel", Subject: id, Detail: detail}); err != nil {
				return err
			}
		}
		args = append(args, id)
		q := `UPDATE tickets SET ` + strings.Join(sets, ", ") + fmt.Sprintf(` WHERE id = $%d`, len(args))
		if _, err := tx.Exec(ctx, q, args...); err != nil {
			return fmt.Errorf("update ticket %s: %w", id, err)
		}
		return insertLinks(ctx, tx, id, c.Links)
	})
}

// ListTickets implements store.Tickets.
func (d *DB) ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error) {
	var conds []string
	var args []any
	where := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		conds = append(conds, cond)
	}
	if f.ID != "" {
		where(`id = ?`, f.ID)
	}
	if len(f.States) > 0 {
		where(`state = ANY(?)`, f.States)
	}
	if f.Type != "" {
		where(`type = ?`, f.Type)
	}
	if f.Partner != "" {
		where(`partner = ?`, f.Partner)
	}
	if f.ClosedIn != nil {
		where(`closed >= ? AND closed < ?`, f.ClosedIn.From.UTC(), f.ClosedIn.To.UTC())
	}
	if f.OpenedIn != nil {
		where(`opened >= ? AND opened < ?`, f.OpenedIn.From.UTC(), f.OpenedIn.To.UTC())
	}
	if !f.OverdueAt.IsZero() {
		where(`due < ? AND state IN ('new', 'triaged', 'coordinating')`, f.OverdueAt.UTC())
	}
	if f.Link != nil {
		where(`id IN (SELECT ticket_id FROM ticket_links WHERE kind = ? AND value = ?)`, f.Link.Kind, f.Link.Value)
	}
	q := `SELECT * FROM (` + ticketSelect + `) t`
	if len(conds) > 0 {
		q += ` WHERE ` + strings.Join(conds, " AND ")
	}
	q += ` ORDER BY opened DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Ticket, error) { return scanTicket(row) })
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", friendly(err))
	}
	return nilIfEmpty(out), nil
}

// SetPartner implements store.Tickets.
func (d *DB) SetPartner(ctx context.Context, p store.Partner) error {
	_, err := d.pool.Exec(ctx, `INSERT INTO partners (name, kind, country, contact) VALUES ($1, $2, $3, $4)
		ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, country = excluded.country, contact = excluded.contact`,
		p.Name, null(p.Kind), null(p.Country), null(p.Contact))
	return friendly(err)
}

const partnerCols = `name, coalesce(kind, ''), coalesce(country, ''), coalesce(contact, '')`

func scanPartner(row pgx.CollectableRow) (store.Partner, error) {
	var p store.Partner
	return p, row.Scan(&p.Name, &p.Kind, &p.Country, &p.Contact)
}

// Partner implements store.Tickets.
func (d *DB) Partner(ctx context.Context, name string) (store.Partner, error) {
	if !storable(name) {
		return store.Partner{}, fmt.Errorf("partner %q: %w", name, store.ErrNotFound)
	}
	rows, _ := d.pool.Query(ctx, `SELECT `+partnerCols+` FROM partners WHERE name = $1`, name)
	p, err := pgx.CollectExactlyOneRow(rows, scanPartner)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, fmt.Errorf("partner %q: %w", name, store.ErrNotFound)
	}
	return p, err
}

// Partners implements store.Tickets.
func (d *DB) Partners(ctx context.Context) ([]store.Partner, error) {
	rows, _ := d.pool.Query(ctx, `SELECT `+partnerCols+` FROM partners ORDER BY name`)
	out, err := pgx.CollectRows(rows, scanPartner)
	return nilIfEmpty(out), err
}

var _ store.TicketChanges = (*DB)(nil)

// TicketsChanged implements store.TicketChanges. Each ticket carries the transaction that last
// changed it; the point to ask from next is the oldest transaction still running when this
// one looked, so that a change committed later by a transaction that began earlier is found
// next time. Tickets may come twice, never not at all.
func (d *DB) TicketsChanged(ctx context.Context, since uint64) ([]store.Ticket, uint64, error) {
	var ts []store.Ticket
	var next uint64
	err := pgx.BeginTxFunc(ctx, d.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var xmin string
		if err := tx.QueryRow(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text`).Scan(&xmin); err != nil {
			return err
		}
		var err error
		if next, err = strconv.ParseUint(xmin, 10, 64); err != nil {
			return fmt.Errorf("the snapshot's oldest transaction %q: %w", xmin, err)
		}
		rows, _ := tx.Query(ctx, ticketSelect+` WHERE t.changed >= $1::text::xid8 ORDER BY t.id`, strconv.FormatUint(since, 10))
		ts, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Ticket, error) { return scanTicket(row) })
		return err
	})
	if err != nil {
		return nil, since, fmt.Errorf("tickets changed: %w", err)
	}
	return ts, next, nil
}
