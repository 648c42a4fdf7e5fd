package duck

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"sitrep/internal/store"
)

// SaveJob implements store.Jobs.
func (d *DB) SaveJob(ctx context.Context, j store.Job) error {
	var result any
	if len(j.Result) > 0 {
		result = string(j.Result)
	}
	_, err := d.db.ExecContext(ctx, `INSERT OR REPLACE INTO jobs (id, kind, actor, state, created_at, started_at, finished_at, result, error, status, server)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		j.ID, j.Kind, j.Actor, j.State, j.Created.UTC(), utcPtr(j.Started), utcPtr(j.Finished), result, j.Error, j.Status, null(j.Server))
	if err != nil {
		return fmt.Errorf("save job %s: %w", j.ID, err)
	}
	return nil
}

const jobCols = `id, kind, actor, state, created_at, started_at, finished_at, result, error, status, coalesce(server, '')`

func scanJob(row interface{ Scan(...any) error }) (store.Job, error) {
	var j store.Job
	var started, finished sql.NullTime
	var result, msg sql.NullString
	var status sql.NullInt64
	if err := row.Scan(&j.ID, &j.Kind, &j.Actor, &j.State, &j.Created, &started, &finished, &result, &msg, &status, &j.Server); err != nil {
		return j, err
	}
	if started.Valid {
		j.Started = &started.Time
	}
	if finished.Valid {
		j.Finished = &finished.Time
	}
	if result.Valid {
		j.Result = json.RawMessage(result.String)
	}
	j.Error, j.Status = msg.String, int(status.Int64)
	return j, nil
}

// Job implements store.Jobs.
func (d *DB) Job(ctx context.Context, id string) (store.Job, error) {
	j, err := scanJob(d.db.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, store.ErrNotFound
	}
	return j, err
}

// ListJobs implements store.Jobs.
func (d *DB) ListJobs(ctx context.Context, actor string, limit int) ([]store.Job, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE ? = '' OR actor = ?
		ORDER BY created_at DESC, id LIMIT ?`, actor, actor, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []store.Job{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// AbandonJobs implements store.Jobs.
func (d *DB) AbandonJobs(ctx context.Context, server, reason string, at time.Time) (int, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE jobs SET state = 'failed', error = ?, status = 503, finished_at = ?
		WHERE state IN ('queued', 'running') AND coalesce(server, '') IN ('', ?)`, reason, at.UTC(), server)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// SaveJobIf implements store.Jobs.
func (d *DB) SaveJobIf(ctx context.Context, j store.Job, from ...string) (bool, error) {
	if len(from) == 0 {
		return false, nil
	}
	var result any
	if len(j.Result) > 0 {
		result = string(j.Result)
	}
	args := []any{j.Kind, j.Actor, j.State, j.Created.UTC(), utcPtr(j.Started), utcPtr(j.Finished), result, j.Error, j.Status, null(j.Server), j.ID}
	for _, f := range from {
		args = append(args, f)
	}
	res, err := d.db.ExecContext(ctx, `UPDATE jobs SET kind = ?, actor = ?, state = ?, created_at = ?, started_at = ?, finished_at = ?,
		result = ?, error = ?, status = ?, server = ? WHERE id = ? AND state IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(from)), ", ")+`)`, args...)
	if err != nil {
		return false, fmt.Errorf("save job %s: %w", j.ID, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
