package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sitrep/internal/store"
)

// Publish implements store.Archive.
func (d *DB) Publish(ctx context.Context, rs []store.Rendering) error {
	if len(rs) == 0 {
		return errors.New("nothing to publish")
	}
	week := rs[0].Week
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM published WHERE week = ?`, week).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%s: %w", week, store.ErrPublished)
		}
		for _, r := range rs {
			if r.Week != week {
				return fmt.Errorf("renderings of weeks %s and %s published together", week, r.Week)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO published (week, lang, format, title, content, published_at, actor) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				r.Week, r.Lang, r.Format, r.Title, r.Content, r.PublishedAt.UTC(), r.Actor); err != nil {
				return fmt.Errorf("publish %s: %w", week, err)
			}
		}
		return audit(ctx, tx, store.AuditEntry{At: rs[0].PublishedAt, Actor: rs[0].Actor, Action: "bulletin.publish", Subject: week,
			Detail: fmt.Sprintf("%d renderings", len(rs))})
	})
}

// Correct implements store.Archive.
func (d *DB) Correct(ctx context.Context, rs []store.Rendering, reason string) (int, error) {
	if len(rs) == 0 {
		return 0, errors.New("nothing to publish")
	}
	week := rs[0].Week
	var rev int
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM published WHERE week = ?`, week).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%s is not published, so there is nothing to correct: %w", week, store.ErrNotFound)
		}
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(revision), 1) + 1 FROM corrections WHERE week = ?`, week).Scan(&rev); err != nil {
			return err
		}
		for _, r := range rs {
			if r.Week != week {
				return fmt.Errorf("renderings of weeks %s and %s published together", week, r.Week)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO corrections (week, revision, lang, format, title, content, published_at, actor, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				r.Week, rev, r.Lang, r.Format, r.Title, r.Content, r.PublishedAt.UTC(), r.Actor, reason); err != nil {
				return fmt.Errorf("correct %s: %w", week, err)
			}
		}
		return audit(ctx, tx, store.AuditEntry{At: rs[0].PublishedAt, Actor: rs[0].Actor, Action: "bulletin.correct", Subject: week,
			Detail: fmt.Sprintf("revision %d, %d renderings: %s", rev, len(rs), reason)})
	})
	return rev, err
}

// revisions is every revision's renderings: the first publication and its corrections.
const revisions = `(SELECT week, 1 AS revision, lang, format, title, content, published_at, actor, NULL AS reason FROM published
	UNION ALL SELECT week, revision, lang, format, title, content, published_at, actor, reason FROM corrections)`

// Rendering implements store.Archive.
func (d *DB) Rendering(ctx context.Context, week, lang, format string) (store.Rendering, error) {
	return d.RenderingAt(ctx, week, lang, format, 0)
}

// RenderingAt implements store.Archive; revision 0 is the latest.
func (d *DB) RenderingAt(ctx context.Context, week, lang, format string, rev int) (store.Rendering, error) {
	r := store.Rendering{Week: week, Lang: lang, Format: format}
	err := d.db.QueryRowContext(ctx, `SELECT title, content, published_at, actor, revision FROM `+revisions+`
		WHERE week = $1 AND lang = $2 AND format = $3 AND ($4 = 0 OR revision = $4) ORDER BY revision DESC LIMIT 1`,
		week, lang, format, rev).Scan(&r.Title, &r.Content, &r.PublishedAt, &r.Actor, &r.Revision)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%s %s %s: %w", week, lang, format, store.ErrNotFound)
	}
	return r, err
}

// Revisions implements store.Archive.
func (d *DB) Revisions(ctx context.Context, week string) ([]store.Revision, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT revision, min(published_at), min(actor), coalesce(min(reason), '') FROM `+revisions+`
		WHERE week = ? GROUP BY revision ORDER BY revision`, week)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Revision
	for rows.Next() {
		var v store.Revision
		if err := rows.Scan(&v.Number, &v.PublishedAt, &v.Actor, &v.Reason); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// PublishedIssues implements store.Archive.
func (d *DB) PublishedIssues(ctx context.Context, lang, format string, limit int) ([]store.Rendering, error) {
	q := `SELECT week, lang, format, title, published_at, actor, revision FROM ` + revisions + `
		WHERE lang = ? AND format = ? QUALIFY row_number() OVER (PARTITION BY week ORDER BY revision DESC) = 1 ORDER BY week DESC`
	args := []any{lang, format}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Rendering
	for rows.Next() {
		var r store.Rendering
		if err := rows.Scan(&r.Week, &r.Lang, &r.Format, &r.Title, &r.PublishedAt, &r.Actor, &r.Revision); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddReview implements store.Archive.
func (d *DB) AddReview(ctx context.Context, r store.Review) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO reviews (week, digest, actor, reviewed_at, note) VALUES (?, ?, ?, ?, ?)`,
			r.Week, r.Digest, r.Actor, r.ReviewedAt.UTC(), null(r.Note)); err != nil {
			return fmt.Errorf("record review: %w", err)
		}
		return audit(ctx, tx, store.AuditEntry{At: r.ReviewedAt, Actor: r.Actor, Action: "bulletin.review", Subject: r.Week, Detail: r.Note})
	})
}

// LatestReview implements store.Archive.
func (d *DB) LatestReview(ctx context.Context, week string) (store.Review, error) {
	r := store.Review{Week: week}
	var note sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT digest, actor, reviewed_at, note FROM reviews WHERE week = ? ORDER BY reviewed_at DESC, rowid DESC LIMIT 1`, week).
		Scan(&r.Digest, &r.Actor, &r.ReviewedAt, &note)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%s: no review: %w", week, store.ErrNotFound)
	}
	r.Note = note.String
	return r, err
}
