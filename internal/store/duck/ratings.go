package duck

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"sitrep/internal/store"
)

// Override implements store.Ratings: the latest row for the week, unless it withdrew.
func (d *DB) Override(ctx context.Context, week string) (*store.Override, error) {
	var o store.Override
	var level sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT week, level, reason, actor, set_at FROM rating_overrides
		WHERE week = ? ORDER BY set_at DESC, rowid DESC LIMIT 1`, week).Scan(&o.Week, &level, &o.Reason, &o.Actor, &o.At)
	if err == sql.ErrNoRows || err == nil && !level.Valid {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rating override: %w", err)
	}
	o.Level = level.String
	return &o, nil
}

// SetOverride implements store.Ratings.
func (d *DB) SetOverride(ctx context.Context, o store.Override) error {
	var level any
	action := "rating.override"
	if o.Level != "" {
		level = o.Level
	} else {
		action = "rating.override.withdraw"
	}
	detail, _ := json.Marshal(map[string]string{"level": o.Level, "reason": o.Reason})
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO rating_overrides (week, level, reason, actor, set_at) VALUES (?, ?, ?, ?, ?)`,
			o.Week, level, o.Reason, o.Actor, o.At.UTC()); err != nil {
			return fmt.Errorf("record rating override: %w", err)
		}
		if err := audit(ctx, tx, store.AuditEntry{At: o.At, Actor: o.Actor, Action: action, Subject: o.Week, Detail: string(detail)}); err != nil {
			return fmt.Errorf("record audit entry: %w", err)
		}
		return nil
	})
}

// AuditLog implements store.Audit.
func (d *DB) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	q := `SELECT logged_at, actor, action, coalesce(subject, ''), coalesce(detail, ''), coalesce(from_addr, '') FROM audit_log
		WHERE ($1 = '' OR subject = $1) AND ($2 = '' OR actor = $2)
		AND ($3 = '' OR action = $3 OR (NOT $7 AND starts_with(action, $3 || '.')))
		AND ($4::TIMESTAMP IS NULL OR logged_at >= $4) AND ($5::TIMESTAMP IS NULL OR logged_at < $5)
		AND ($6 = '' OR from_addr = $6)
		ORDER BY logged_at DESC, rowid DESC`
	args := []any{f.Subject, f.Actor, f.Action, nullTime(f.Since), nullTime(f.Until), f.From, f.Exact}
	if f.Limit > 0 {
		q += ` LIMIT $8`
		args = append(args, f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.From); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// AddAudit implements store.Audit.
func (d *DB) AddAudit(ctx context.Context, e store.AuditEntry) error {
	return d.inTx(ctx, func(tx *sql.Tx) error { return audit(ctx, tx, e) })
}

// audit writes an entry of the audit log in a transaction, from where the context says the
// change was asked where the entry does not say.
func audit(ctx context.Context, tx *sql.Tx, e store.AuditEntry) error {
	if e.From == "" {
		e.From = store.OriginOf(ctx)
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (logged_at, actor, action, subject, detail, from_addr) VALUES (?, ?, ?, ?, ?, ?)`,
		e.At.UTC(), e.Actor, e.Action, e.Subject, e.Detail, null(e.From))
	if err != nil {
		return fmt.Errorf("record audit entry: %w", err)
	}
	return nil
}

// nullTime is t for a query, or NULL for the zero time.
func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
