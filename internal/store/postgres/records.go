package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"sitrep/internal/store"
)

// Override implements store.Ratings: the latest row for the week, unless it withdrew.
func (d *DB) Override(ctx context.Context, week string) (*store.Override, error) {
	var o store.Override
	var level *string
	err := d.pool.QueryRow(ctx, `SELECT week, level, reason, actor, set_at FROM rating_overrides
		WHERE week = $1 ORDER BY set_at DESC, id DESC LIMIT 1`, week).Scan(&o.Week, &level, &o.Reason, &o.Actor, &o.At)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && level == nil {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read rating override: %w", err)
	}
	o.Level, o.At = *level, o.At.UTC()
	return &o, nil
}

// SetOverride implements store.Ratings.
func (d *DB) SetOverride(ctx context.Context, o store.Override) error {
	action := "rating.override"
	if o.Level == "" {
		action = "rating.override.withdraw"
	}
	detail, _ := json.Marshal(map[string]string{"level": o.Level, "reason": o.Reason})
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO rating_overrides (week, level, reason, actor, set_at) VALUES ($1, $2, $3, $4, $5)`,
			o.Week, null(o.Level), o.Reason, o.Actor, o.At.UTC()); err != nil {
			return fmt.Errorf("record rating override: %w", err)
		}
		return audit(ctx, tx, store.AuditEntry{At: o.At, Actor: o.Actor, Action: action, Subject: o.Week, Detail: string(detail)})
	})
}

// AuditLog implements store.Audit.
func (d *DB) AuditLog(ctx context.Context, f store.AuditFilter) ([]store.AuditEntry, error) {
	// Only the conditions asked, each plain, so that the planner sees which indexes serve
	// (the failed logins of an address: audit_log_action_from).
	var where []string
	var args []any
	cond := func(c string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(c, "$?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Subject != "" {
		cond("subject = $?", f.Subject)
	}
	if f.Actor != "" {
		cond("actor = $?", f.Actor)
	}
	switch {
	case f.Action != "" && f.Exact:
		cond("action = $?", f.Action)
	case f.Action != "":
		cond("(action = $? OR starts_with(action, $? || '.'))", f.Action)
	}
	if !f.Since.IsZero() {
		cond("logged_at >= $?", f.Since.UTC())
	}
	if !f.Until.IsZero() {
		cond("logged_at < $?", f.Until.UTC())
	}
	if f.From != "" {
		cond("from_addr = $?", f.From)
	}
	q := `SELECT logged_at, actor, action, coalesce(subject, ''), coalesce(detail, ''), coalesce(from_addr, '') FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY logged_at DESC, id DESC"
	if f.Limit > 0 {
		args = append(args, f.Limit)
		q += fmt.Sprintf(" LIMIT $%d", len(args))
	}
	rows, _ := d.pool.Query(ctx, q, args...)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditEntry, error) {
		var e store.AuditEntry
		err := row.Scan(&e.At, &e.Actor, &e.Action, &e.Subject, &e.Detail, &e.From)
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// AddAudit implements store.Audit.
func (d *DB) AddAudit(ctx context.Context, e store.AuditEntry) error {
	return d.inTx(ctx, func(tx pgx.Tx) error { return audit(ctx, tx, e) })
}

// AddToken implements store.Tokens.
func (d *DB) AddToken(ctx context.Context, t store.Token, actor string) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO tokens (digest, name, role, created_at) VALUES ($1, $2, $3, $4)`,
			t.Digest, t.Name, t.Role, t.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		return audit(ctx, tx, store.AuditEntry{At: t.CreatedAt, Actor: actor, Action: "token.create", Subject: t.Name, Detail: "role " + t.Role})
	})
}

// TokenByDigest implements store.Tokens.
func (d *DB) TokenByDigest(ctx context.Context, digest string) (store.Token, error) {
	t := store.Token{Digest: digest}
	if !storable(digest) {
		return t, store.ErrNotFound
	}
	err := d.pool.QueryRow(ctx, `SELECT name, role, created_at FROM tokens WHERE digest = $1 AND revoked_at IS NULL`, digest).
		Scan(&t.Name, &t.Role, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, store.ErrNotFound
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, err
}

// ListTokens implements store.Tokens.
func (d *DB) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, _ := d.pool.Query(ctx, `SELECT name, role, created_at, revoked_at FROM tokens ORDER BY name, created_at`)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Token, error) {
		var t store.Token
		err := row.Scan(&t.Name, &t.Role, &t.CreatedAt, &t.RevokedAt)
		t.CreatedAt, t.RevokedAt = t.CreatedAt.UTC(), utc(t.RevokedAt)
		return t, err
	})
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

// RevokeTokens implements store.Tokens.
func (d *DB) RevokeTokens(ctx context.Context, name, actor string, at time.Time) (int, error) {
	var n int64
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL`, at.UTC(), name)
		if err != nil {
			return err
		}
		if n = tag.RowsAffected(); n == 0 {
			return nil
		}
		return audit(ctx, tx, store.AuditEntry{At: at, Actor: actor, Action: "token.revoke", Subject: name, Detail: fmt.Sprintf("%d token(s)", n)})
	})
	return int(n), err
}

// SaveJob implements store.Jobs.
func (d *DB) SaveJob(ctx context.Context, j store.Job) error {
	var result any
	if len(j.Result) > 0 {
		result = string(j.Result)
	}
	_, err := d.pool.Exec(ctx, `INSERT INTO jobs (id, kind, actor, state, created_at, started_at, finished_at, result, error, status, server)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, actor = excluded.actor, state = excluded.state,
			created_at = excluded.created_at, started_at = excluded.started_at, finished_at = excluded.finished_at,
			result = excluded.result, error = excluded.error, status = excluded.status, server = excluded.server`,
		j.ID, j.Kind, j.Actor, j.State, j.Created.UTC(), nullTime(j.Started), nullTime(j.Finished), result, j.Error, j.Status, null(j.Server))
	if err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, friendly(err))
	}
	return nil
}

const jobCols = `id, kind, actor, state, created_at, started_at, finished_at, result, coalesce(error, ''), coalesce(status, 0), coalesce(server, '')`

func scanJob(row pgx.CollectableRow) (store.Job, error) {
	var j store.Job
	var result *string
	if err := row.Scan(&j.ID, &j.Kind, &j.Actor, &j.State, &j.Created, &j.Started, &j.Finished, &result, &j.Error, &j.Status, &j.Server); err != nil {
		return j, err
	}
	if result != nil {
		j.Result = json.RawMessage(*result)
	}
	j.Created, j.Started, j.Finished = j.Created.UTC(), utc(j.Started), utc(j.Finished)
	return j, nil
}

// Job implements store.Jobs.
func (d *DB) Job(ctx context.Context, id string) (store.Job, error) {
	if !storable(id) {
		return store.Job{}, store.ErrNotFound
	}
	rows, _ := d.pool.Query(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = $1`, id)
	j, err := pgx.CollectExactlyOneRow(rows, scanJob)
	if errors.Is(err, pgx.ErrNoRows) {
		return j, store.ErrNotFound
	}
	return j, err
}

// ListJobs implements store.Jobs.
func (d *DB) ListJobs(ctx context.Context, actor string, limit int) ([]store.Job, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, _ := d.pool.Query(ctx, `SELECT `+jobCols+` FROM jobs WHERE $1 = '' OR actor = $1
		ORDER BY created_at DESC, id LIMIT $2`, actor, limit)
	out, err := pgx.CollectRows(rows, scanJob)
	if out == nil && err == nil {
		out = []store.Job{}
	}
	return out, err
}

// AbandonJobs implements store.Jobs.
func (d *DB) AbandonJobs(ctx context.Context, server, reason string, at time.Time) (int, error) {
	tag, err := d.pool.Exec(ctx, `UPDATE jobs SET state = 'failed', error = $1, status = 503, finished_at = $2
		WHERE state IN ('queued', 'running') AND coalesce(server, '') IN ('', $3)`, reason, at.UTC(), server)
	return int(tag.RowsAffected()), err
}

// SaveJobIf implements store.Jobs.
func (d *DB) SaveJobIf(ctx context.Context, j store.Job, from ...string) (bool, error) {
	var result any
	if len(j.Result) > 0 {
		result = string(j.Result)
	}
	tag, err := d.pool.Exec(ctx, `UPDATE jobs SET kind = $1, actor = $2, state = $3, created_at = $4, started_at = $5, finished_at = $6,
		result = $7, error = $8, status = $9, server = $10 WHERE id = $11 AND state = ANY($12)`,
		j.Kind, j.Actor, j.State, j.Created.UTC(), nullTime(j.Started), nullTime(j.Finished), result, j.Error, j.Status, null(j.Server), j.ID, from)
	if err != nil {
		return false, fmt.Errorf("save job %s: %w", j.ID, friendly(err))
	}
	return tag.RowsAffected() > 0, nil
}
