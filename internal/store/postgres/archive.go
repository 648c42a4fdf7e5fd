package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"sitrep/internal/store"
)

// Publish implements store.Archive. The issue's key is locked first, so that of two
// publications at once the second waits and is then refused.
func (d *DB) Publish(ctx context.Context, rs []store.Rendering) error {
	if len(rs) == 0 {
		return errors.New("nothing to publish")
	}
	week := rs[0].Week
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, "issue:"+week); err != nil {
			return err
		}
		var published bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM published WHERE week = $1)`, week).Scan(&published); err != nil {
			return err
		}
		if published {
			return fmt.Errorf("%s: %w", week, store.ErrPublished)
		}
		for _, r := range rs {
			if r.Week != week {
				return fmt.Errorf("renderings of weeks %s and %s published together", week, r.Week)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO published (week, lang, format, title, content, published_at, actor) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				r.Week, r.Lang, r.Format, r.Title, r.Content, r.PublishedAt.UTC(), r.Actor); err != nil {
				return fmt.Errorf("publish %s: %w", week, err)
			}
		}
		return audit(ctx, tx, store.AuditEntry{At: rs[0].PublishedAt, Actor: rs[0].Actor, Action: "bulletin.publish", Subject: week,
			Detail: fmt.Sprintf("%d renderings", len(rs))})
	})
}

// Correct implements store.Archive, under the issue's lock as Publish.
func (d *DB) Correct(ctx context.Context, rs []store.Rendering, reason string) (int, error) {
	if len(rs) == 0 {
		return 0, errors.New("nothing to publish")
	}
	week := rs[0].Week
	var rev int
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, "issue:"+week); err != nil {
			return err
		}
		var published bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM published WHERE week = $1)`, week).Scan(&published); err != nil {
			return err
		}
		if !published {
			return fmt.Errorf("%s is not published, so there is nothing to correct: %w", week, store.ErrNotFound)
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(revision), 1) + 1 FROM corrections WHERE week = $1`, week).Scan(&rev); err != nil {
			return err
		}
		for _, r := range rs {
			if r.Week != week {
				return fmt.Errorf("renderings of weeks %s and %s published together", week, r.Week)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO corrections (week, revision, lang, format, title, content, published_at, actor, reason)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
	UNION ALL SELECT week, revision, lang, format, title, content, published_at, actor, reason FROM corrections) r`

// Rendering implements store.Archive.
func (d *DB) Rendering(ctx context.Context, week, lang, format string) (store.Rendering, error) {
	return d.RenderingAt(ctx, week, lang, format, 0)
}

// RenderingAt implements store.Archive; revision 0 is the latest.
func (d *DB) RenderingAt(ctx context.Context, week, lang, format string, rev int) (store.Rendering, error) {
	r := store.Rendering{Week: week, Lang: lang, Format: format}
	if !storable(week + lang + format) {
		return r, fmt.Errorf("%q %q %q: %w", week, lang, format, store.ErrNotFound)
	}
	err := d.pool.QueryRow(ctx, `SELECT title, content, published_at, actor, revision FROM `+revisions+`
		WHERE week = $1 AND lang = $2 AND format = $3 AND ($4 = 0 OR revision = $4) ORDER BY revision DESC LIMIT 1`,
		week, lang, format, rev).Scan(&r.Title, &r.Content, &r.PublishedAt, &r.Actor, &r.Revision)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("%s %s %s: %w", week, lang, format, store.ErrNotFound)
	}
	r.PublishedAt = r.PublishedAt.UTC()
	return r, err
}

// Revisions implements store.Archive.
func (d *DB) Revisions(ctx context.Context, week string) ([]store.Revision, error) {
	rows, _ := d.pool.Query(ctx, `SELECT revision, min(published_at), min(actor), coalesce(min(reason), '') FROM `+revisions+`
		WHERE week = $1 GROUP BY revision ORDER BY revision`, week)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Revision, error) {
		var v store.Revision
		err := row.Scan(&v.Number, &v.PublishedAt, &v.Actor, &v.Reason)
		v.PublishedAt = v.PublishedAt.UTC()
		return v, err
	})
	return nilIfEmpty(out), friendly(err)
}

// PublishedIssues implements store.Archive.
func (d *DB) PublishedIssues(ctx context.Context, lang, format string, limit int) ([]store.Rendering, error) {
	q := `SELECT DISTINCT ON (week) week, lang, format, title, published_at, actor, revision FROM ` + revisions + `
		WHERE lang = $1 AND format = $2 ORDER BY week DESC, revision DESC`
	args := []any{lang, format}
	if limit > 0 {
		q += ` LIMIT $3`
		args = append(args, limit)
	}
	rows, _ := d.pool.Query(ctx, q, args...)
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Rendering, error) {
		var r store.Rendering
		err := row.Scan(&r.Week, &r.Lang, &r.Format, &r.Title, &r.PublishedAt, &r.Actor, &r.Revision)
		r.PublishedAt = r.PublishedAt.UTC()
		return r, err
	})
	return nilIfEmpty(out), friendly(err)
}

// AddReview implements store.Archive.
func (d *DB) AddReview(ctx context.Context, r store.Review) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO reviews (week, digest, actor, reviewed_at, note) VALUES ($1, $2, $3, $4, $5)`,
			r.Week, r.Digest, r.Actor, r.ReviewedAt.UTC(), null(r.Note)); err != nil {
			return fmt.Errorf("record review: %w", err)
		}
		return audit(ctx, tx, store.AuditEntry{At: r.ReviewedAt, Actor: r.Actor, Action: "bulletin.review", Subject: r.Week, Detail: r.Note})
	})
}

// LatestReview implements store.Archive.
func (d *DB) LatestReview(ctx context.Context, week string) (store.Review, error) {
	r := store.Review{Week: week}
	err := d.pool.QueryRow(ctx, `SELECT digest, actor, reviewed_at, coalesce(note, '') FROM reviews WHERE week = $1
		ORDER BY reviewed_at DESC, id DESC LIMIT 1`, week).Scan(&r.Digest, &r.Actor, &r.ReviewedAt, &r.Note)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("%s: no review: %w", week, store.ErrNotFound)
	}
	r.ReviewedAt = r.ReviewedAt.UTC()
	return r, err
}
