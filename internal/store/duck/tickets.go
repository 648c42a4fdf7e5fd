package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"sitrep/internal/event"
	"sitrep/internal/store"
)

var _ store.Tickets = (*DB)(nil)

// ticketSelect reads tickets with their state derived from the history: the last transition's
// state, or for a ticket imported without history, closed when it has a closing time.
const ticketSelect = `
WITH last AS (
	SELECT incident_id, max(seq) AS seq, arg_max(to_state, seq) FILTER (WHERE to_state IS NOT NULL) AS state
	FROM incident_history GROUP BY incident_id
)
SELECT i.id, i.opened, i.closed, i.type, coalesce(i.source, '') AS source, coalesce(i.partner, '') AS partner,
	coalesce(i.partner_kind, '') AS partner_kind, i.cross_border, coalesce(i.impact, 'none') AS impact, coalesce(i.url, '') AS url,
	coalesce(i.platform, '') AS platform, coalesce(i.tlp, 'CLEAR') AS tlp, i.due, coalesce(last.seq, 0) AS seq,
	coalesce(last.state, CASE WHEN i.closed IS NULL THEN 'new' ELSE 'closed' END) AS state, i.ticket_seq
FROM incidents i LEFT JOIN last ON last.incident_id = i.id`

func scanTicket(rows interface{ Scan(...any) error }) (store.Ticket, error) {
	var t store.Ticket
	var closed, due sql.NullTime
	var cross sql.NullBool
	var tlp string
	err := rows.Scan(&t.ID, &t.Opened, &closed, &t.Type, &t.Source, &t.Partner, &t.PartnerKind, &cross, &t.Impact,
		&t.URL, &t.Platform, &tlp, &due, &t.Seq, &t.State)
	if closed.Valid {
		c := closed.Time
		t.Closed = &c
	}
	if due.Valid {
		d := due.Time
		t.Due = &d
	}
	if cross.Valid {
		b := cross.Bool
		t.CrossBorder = &b
	}
	t.TLP = event.TLP(tlp)
	return t, err
}

// NextTicketID implements store.Tickets.
func (d *DB) NextTicketID(ctx context.Context) (string, error) {
	for {
		var n int64
		if err := d.db.QueryRowContext(ctx, `SELECT nextval('ticket_ids')`).Scan(&n); err != nil {
			return "", err
		}
		id := fmt.Sprintf("INC-%06d", n)
		var taken int
		if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE id = ?`, id).Scan(&taken); err != nil {
			return "", err
		}
		if taken == 0 {
			return id, nil
		}
	}
}

// CreateTicket implements store.Tickets.
func (d *DB) CreateTicket(ctx context.Context, t store.Ticket, first store.TicketEntry) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE id = ?`, t.ID).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return fmt.Errorf("ticket %s %w", t.ID, store.ErrExists)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, opened, closed, type, source, partner, partner_kind, cross_border,
			impact, url, platform, tlp, due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.ID, t.Opened.UTC(), utcPtr(t.Closed), string(t.Type), null(t.Source), null(t.Partner), null(t.PartnerKind),
			boolPtr(t.CrossBorder), null(t.Impact), null(t.URL), null(t.Platform), null(string(t.TLP)), utcPtr(t.Due))
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

func insertEntries(ctx context.Context, tx *sql.Tx, id string, entries []store.TicketEntry) error {
	for _, e := range entries {
		_, err := tx.ExecContext(ctx, `INSERT INTO incident_history (incident_id, seq, entered_at, actor, action, from_state, to_state, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, id, e.Seq, e.At.UTC(), e.Actor, e.Action, null(e.From), null(e.To), null(e.Note))
		if err != nil {
			if strings.Contains(err.Error(), "Constraint Error") {
				return store.ErrConflict
			}
			return fmt.Errorf("append to ticket %s: %w", id, err)
		}
	}
	return nil
}

func insertLinks(ctx context.Context, tx *sql.Tx, id string, links []store.Link) error {
	for _, l := range links {
		if _, err := tx.ExecContext(ctx, `INSERT INTO incident_links (incident_id, kind, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			id, l.Kind, l.Value); err != nil {
			return fmt.Errorf("link ticket %s: %w", id, err)
		}
	}
	return nil
}

// Ticket implements store.Tickets.
func (d *DB) Ticket(ctx context.Context, id string) (store.Ticket, error) {
	t, err := scanTicket(d.db.QueryRowContext(ctx, `SELECT * EXCLUDE (ticket_seq) FROM (`+ticketSelect+`) t WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, fmt.Errorf("ticket %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return t, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT seq, entered_at, actor, action, coalesce(from_state, ''), coalesce(to_state, ''), coalesce(note, '')
		FROM incident_history WHERE incident_id = ? ORDER BY seq`, id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var e store.TicketEntry
		if err := rows.Scan(&e.Seq, &e.At, &e.Actor, &e.Action, &e.From, &e.To, &e.Note); err != nil {
			return t, err
		}
		t.History = append(t.History, e)
	}
	if err := rows.Err(); err != nil {
		return t, err
	}
	t.Links, err = d.links(ctx, id)
	return t, err
}

func (d *DB) links(ctx context.Context, id string) ([]store.Link, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT kind, value FROM incident_links WHERE incident_id = ? ORDER BY kind, value`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Link
	for rows.Next() {
		var l store.Link
		if err := rows.Scan(&l.Kind, &l.Value); err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// AppendTicket implements store.Tickets.
func (d *DB) AppendTicket(ctx context.Context, id string, seq int, entries []store.TicketEntry, c store.TicketChange) error {
	var sets []string
	var args []any
	if c.Partner != nil {
		sets = append(sets, "partner = ?", "partner_kind = ?")
		args = append(args, null(c.Partner.Name), null(c.Partner.Kind))
	}
	if c.CrossBorder != nil {
		sets = append(sets, "cross_border = ?")
		args = append(args, *c.CrossBorder)
	}
	if c.Closed != nil {
		sets = append(sets, "closed = ?")
		args = append(args, c.Closed.UTC())
	}
	if c.Due != nil {
		sets = append(sets, "due = ?")
		args = append(args, c.Due.UTC())
	}
	if c.TLP != nil {
		sets = append(sets, "tlp = ?")
		args = append(args, string(*c.TLP))
	}
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE id = ?`, id).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return fmt.Errorf("ticket %s: %w", id, store.ErrNotFound)
		}
		var last int
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM incident_history WHERE incident_id = ?`, id).Scan(&last); err != nil {
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
			var from string
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(tlp, 'CLEAR') FROM incidents WHERE id = ?`, id).Scan(&from); err != nil {
				return fmt.Errorf("ticket %s: %w", id, err)
			}
			detail := fmt.Sprintf("TLP:%s → TLP:%s", from, *c.TLP)
			var actor string
			if len(entries) > 0 {
				last := entries[len(entries)-1]
				if actor = last.Actor; last.Note != "" {
					detail = last.Note
				}
			}
			err := audit(ctx, tx, store.AuditEntry{At: time.Now(), Actor: actor, Action: "ticket.relabel", Subject: id, Detail: detail})
			if err != nil {
				return err
			}
		}
		if len(sets) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE incidents SET `+strings.Join(sets, ", ")+` WHERE id = ?`, append(args, id)...); err != nil {
				return fmt.Errorf("update ticket %s: %w", id, err)
			}
		}
		return insertLinks(ctx, tx, id, c.Links)
	})
}

// ListTickets implements store.Tickets.
func (d *DB) ListTickets(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error) {
	return d.listTickets(ctx, f, "true")
}

// ImportedIncidents implements store.Imported: the rows no ticket history or ticket write
// stands behind.
func (d *DB) ImportedIncidents(ctx context.Context, f store.TicketFilter) ([]store.Ticket, error) {
	return d.listTickets(ctx, f, "seq = 0 AND ticket_seq IS NULL")
}

func (d *DB) listTickets(ctx context.Context, f store.TicketFilter, cond string) ([]store.Ticket, error) {
	q := `SELECT * EXCLUDE (ticket_seq) FROM (` + ticketSelect + `) t WHERE ` + cond
	var args []any
	if f.ID != "" {
		q += ` AND id = ?`
		args = append(args, f.ID)
	}
	if len(f.States) > 0 {
		q += ` AND state IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(f.States)), ", ") + `)`
		for _, s := range f.States {
			args = append(args, s)
		}
	}
	if f.Type != "" {
		q += ` AND type = ?`
		args = append(args, f.Type)
	}
	if f.Partner != "" {
		q += ` AND partner = ?`
		args = append(args, f.Partner)
	}
	if f.ClosedIn != nil {
		q += ` AND closed >= ? AND closed < ?`
		args = append(args, f.ClosedIn.From.UTC(), f.ClosedIn.To.UTC())
	}
	if f.OpenedIn != nil {
		q += ` AND opened >= ? AND opened < ?`
		args = append(args, f.OpenedIn.From.UTC(), f.OpenedIn.To.UTC())
	}
	if !f.OverdueAt.IsZero() {
		q += ` AND due < ? AND state IN ('new', 'triaged', 'coordinating')`
		args = append(args, f.OverdueAt.UTC())
	}
	if f.Link != nil {
		q += ` AND id IN (SELECT incident_id FROM incident_links WHERE kind = ? AND value = ?)`
		args = append(args, f.Link.Kind, f.Link.Value)
	}
	q += ` ORDER BY opened DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list tickets: %w", err)
	}
	defer rows.Close()
	var out []store.Ticket
	for rows.Next() {
		t, err := scanTicket(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// SetPartner implements store.Tickets.
func (d *DB) SetPartner(ctx context.Context, p store.Partner) error {
	_, err := d.db.ExecContext(ctx, `INSERT OR REPLACE INTO partners (name, kind, country, contact) VALUES (?, ?, ?, ?)`,
		p.Name, null(p.Kind), null(p.Country), null(p.Contact))
	return err
}

// Partner implements store.Tickets.
func (d *DB) Partner(ctx context.Context, name string) (store.Partner, error) {
	var p store.Partner
	err := d.db.QueryRowContext(ctx, `SELECT name, coalesce(kind, ''), coalesce(country, ''), coalesce(contact, '') FROM partners WHERE name = ?`, name).
		Scan(&p.Name, &p.Kind, &p.Country, &p.Contact)
	if errors.Is(err, sql.ErrNoRows) {
		return p, fmt.Errorf("partner %q: %w", name, store.ErrNotFound)
	}
	return p, err
}

// Partners implements store.Tickets.
func (d *DB) Partners(ctx context.Context) ([]store.Partner, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, coalesce(kind, ''), coalesce(country, ''), coalesce(contact, '') FROM partners ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Partner
	for rows.Next() {
		var p store.Partner
		if err := rows.Scan(&p.Name, &p.Kind, &p.Country, &p.Contact); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func null(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func utcPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UTC()
}

func boolPtr(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

// Observables implements store.Observables.
func (d *DB) Observables(ctx context.Context, r store.Range, kind string) ([]store.Observable, error) {
	// The ENUM orders labels from CLEAR to RED, so max is the most restrictive.
	rows, err := d.db.QueryContext(ctx, `SELECT url, coalesce(min(domain), ''), coalesce(min(ip), ''), coalesce(min(target), ''),
		coalesce(max(tlp), 'CLEAR')::VARCHAR
		FROM events WHERE kind = $1 AND time >= $2 AND time < $3 AND url IS NOT NULL GROUP BY url ORDER BY url`,
		kind, r.From.UTC(), r.To.UTC())
	if err != nil {
		return nil, fmt.Errorf("list observables: %w", err)
	}
	defer rows.Close()
	var out []store.Observable
	for rows.Next() {
		var o store.Observable
		if err := rows.Scan(&o.URL, &o.Domain, &o.IP, &o.Target, &o.TLP); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// Indicators implements store.Observables.
func (d *DB) Indicators(ctx context.Context, r store.Range, kinds []event.Kind, tlps []event.TLP) ([]store.Indicator, error) {
	if len(kinds) == 0 || len(tlps) == 0 {
		return []store.Indicator{}, nil
	}
	in := func(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }
	where := `time >= ? AND time < ? AND kind::VARCHAR IN (` + in(len(kinds)) + `) AND tlp::VARCHAR IN (` + in(len(tlps)) + `)`
	args := []any{r.From.UTC(), r.To.UTC()}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	for _, t := range tlps {
		args = append(args, string(t))
	}
	q := `SELECT 'host', host, kind::VARCHAR, min(time), max(time) FROM events WHERE ` + where + ` AND host IS NOT NULL AND host <> '' AND NOT coalesce(host_is_ip, false) GROUP BY 2, 3
		UNION ALL SELECT 'ip', ip, kind::VARCHAR, min(time), max(time) FROM events WHERE ` + where + ` AND ip IS NOT NULL AND ip <> '' GROUP BY 2, 3
		UNION ALL SELECT 'url', url, kind::VARCHAR, min(time), max(time) FROM events WHERE ` + where + ` AND url IS NOT NULL AND url <> '' GROUP BY 2, 3
		ORDER BY 1, 2, 3`
	rows, err := d.db.QueryContext(ctx, q, append(append(append([]any{}, args...), args...), args...)...)
	if err != nil {
		return nil, fmt.Errorf("list indicators: %w", err)
	}
	defer rows.Close()
	out := []store.Indicator{}
	for rows.Next() {
		var ind store.Indicator
		var kind string
		if err := rows.Scan(&ind.Type, &ind.Value, &kind, &ind.First, &ind.Last); err != nil {
			return nil, err
		}
		ind.Kind, ind.First, ind.Last = event.Kind(kind), ind.First.UTC(), ind.Last.UTC()
		out = append(out, ind)
	}
	return out, rows.Err()
}

// ListEvents implements store.Observables.
func (d *DB) ListEvents(ctx context.Context, r store.Range, kind string, tlps []string, limit int) ([]event.Event, error) {
	if kind != "" {
		if _, err := event.ParseKind(kind); err != nil {
			return nil, err
		}
	}
	if len(tlps) == 0 {
		return []event.Event{}, nil
	}
	q := `SELECT time, kind::VARCHAR, coalesce(ip, ''), coalesce(url, ''), coalesce(host, ''), coalesce(host_is_ip, false),
		coalesce(domain, ''), coalesce(country, ''), coalesce(province, ''), coalesce(asn, 0), coalesce(registrant_country, ''),
		coalesce(family, ''), coalesce(target, ''), gov, coalesce(source, ''), tlp::VARCHAR, coalesce(feed_id, ''), coalesce(line, 0), coalesce(malware, '')
		FROM events WHERE time >= ? AND time < ? AND (? = '' OR kind::VARCHAR = ?) AND tlp::VARCHAR IN (` +
		strings.TrimSuffix(strings.Repeat("?, ", len(tlps)), ", ") + `) ORDER BY time, line LIMIT ?`
	args := []any{r.From.UTC(), r.To.UTC(), kind, kind}
	for _, t := range tlps {
		args = append(args, t)
	}
	args = append(args, limit)
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	out := []event.Event{}
	for rows.Next() {
		var e event.Event
		var kind, tlp string
		var gov sql.NullBool
		if err := rows.Scan(&e.Time, &kind, &e.IP, &e.URL, &e.Host, &e.HostIsIP, &e.Domain, &e.Country, &e.Province, &e.ASN,
			&e.RegistrantCountry, &e.Family, &e.Target, &gov, &e.Source, &tlp, &e.FeedID, &e.Line, &e.Malware); err != nil {
			return nil, err
		}
		e.Kind, e.TLP = event.Kind(kind), event.TLP(tlp)
		if gov.Valid {
			g := gov.Bool
			e.Gov = &g
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// CountTickets implements store.TicketRows. Here a ticket is its own counted row, so this
// matters where this store is the analytical part of two and the tickets are kept in the other.
func (d *DB) CountTickets(ctx context.Context, ts []store.Ticket) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		for _, t := range ts {
			_, err := tx.ExecContext(ctx, `INSERT INTO incidents (id, opened, closed, type, source, partner, partner_kind,
				cross_border, impact, url, platform, tlp, due, ticket_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (id) DO UPDATE SET opened = excluded.opened, closed = excluded.closed, type = excluded.type,
					source = excluded.source, partner = excluded.partner, partner_kind = excluded.partner_kind,
					cross_border = excluded.cross_border, impact = excluded.impact, url = excluded.url,
					platform = excluded.platform, tlp = excluded.tlp, due = excluded.due, ticket_seq = excluded.ticket_seq
				WHERE coalesce(incidents.ticket_seq, -1) < excluded.ticket_seq`,
				t.ID, t.Opened.UTC(), utcPtr(t.Closed), string(t.Type), null(t.Source), null(t.Partner), null(t.PartnerKind),
				boolPtr(t.CrossBorder), null(t.Impact), null(t.URL), null(t.Platform), null(string(t.TLP)), utcPtr(t.Due), t.Seq)
			if err != nil {
				return fmt.Errorf("count ticket %s: %w", t.ID, err)
			}
		}
		return nil
	})
}

// RecordsHeld names the kinds of records this store keeps (tickets' histories, reviews, the
// archive, overrides, the audit log, tokens, jobs); none when it has only ever been the
// analytical part of a store whose records are kept apart.
func (d *DB) RecordsHeld(ctx context.Context) ([]string, error) {
	var held []string
	for _, t := range []struct{ table, what string }{
		{"incident_history", "tickets"}, {"reviews", "reviews"}, {"published", "published issues"},
		{"rating_overrides", "rating overrides"}, {"audit_log", "the audit log"}, {"tokens", "tokens"}, {"jobs", "jobs"},
	} {
		var n int
		if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table).Scan(&n); err != nil {
			return nil, err
		}
		if n > 0 {
			held = append(held, t.what)
		}
	}
	return held, nil
}
