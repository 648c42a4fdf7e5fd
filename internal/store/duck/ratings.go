package duck

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

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
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (logged_at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)`,
			o.At.UTC(), o.Actor, action, o.Week, string(detail)); err != nil {
			return fmt.Errorf("record audit entry: %w", err)
		}
		return nil
	})
}

// AuditLog implements store.Audit.
func (d *DB) AuditLog(ctx context.Context, subject string, limit int) ([]store.AuditEntry, error) {
	q := `SELECT logged_at, actor, action, coalesce(subject, ''), coalesce(detail, '') FROM audit_log
		WHERE $1 = '' OR subject = $1 ORDER BY logged_at DESC, rowid DESC`
	args := []any{subject}
	if limit > 0 {
		q += ` LIMIT $2`
		args = append(args, limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []store.AuditEntry
	for rows.Next() {
		var e store.AuditEntry
		if err := rows.Scan(&e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
