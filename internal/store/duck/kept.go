package duck

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"sitrep/internal/store"
)

// Kept results. Counting a week's events costs a pass over them, and a bulletin asks for its
// week, the week before and a dozen weeks of history. So the store keeps what it counted over
// events, per range and scope (table kept_counts), and a later question about the same range
// reads the answer instead of counting again.
//
// What is kept never outlives the events it was counted from. Every commit that adds events
// records the span of their times as a change with the next number (table event_changes), in
// the same transaction as the events; a kept result carries the number of the last change its
// count could see. It stands only while no later change touches it: one whose span overlaps
// its range, or — for results that name new malware families, which depend on everything
// before the range — any later change before the range's end. Counting and reading that
// number happen in one transaction, so they see the same events; the commits that add events
// take their numbers one after another (two at once would take the same number, and one of
// them would fail), so a change a count could not see always carries a larger number.

// Kinds of kept results.
const (
	keptEvents   = "events.6" // store.EventCounts; the number changes with the struct or its counting
	keptFamilies = "families.1"
	keptHeadline = "headline" // the events' part of a store.Headline
)

// stands is the condition under which a kept row k still stands: no later change touched its
// range, nor, where it names new families (top above 0), anything before the range's end.
const stands = `NOT EXISTS (SELECT 1 FROM event_changes c WHERE c.epoch > k.epoch AND c.lo < k.to_t AND (k.top > 0 OR c.hi > k.from_t))`

// noteChange records, inside the transaction that adds events, the span of their times.
func noteChange(ctx context.Context, tx *sql.Tx, span store.Range) error {
	lo, hi := span.From, span.To
	if span.IsZero() { // events whose times nobody gave: they may touch any range
		lo, hi = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	// The column holds microseconds: round outward, so the span still holds every event.
	lo, hi = lo.UTC().Truncate(time.Microsecond), hi.UTC().Truncate(time.Microsecond).Add(time.Microsecond)
	_, err := tx.ExecContext(ctx, `INSERT INTO event_changes (epoch, lo, hi)
		SELECT coalesce(max(epoch), 0) + 1, $1, $2 FROM event_changes`, lo, hi)
	return err
}

// kept reads a kept result of kind for r and sc into dst, and says whether there was one
// that still stands. A result kept with a larger top serves a smaller one.
func (d *DB) kept(ctx context.Context, q querier, kind string, r store.Range, sc scoped, top int, dst any) (bool, error) {
	var body string
	err := q.QueryRowContext(ctx, `SELECT body FROM kept_counts k
		WHERE kind = $1 AND from_t = $2 AND to_t = $3 AND scope = $4 AND top >= $5
		AND `+stands,
		kind, r.From.UTC(), r.To.UTC(), sc.key(), top).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read kept counts: %w", err)
	}
	if err := json.Unmarshal([]byte(body), dst); err != nil {
		return false, fmt.Errorf("read kept counts: %w", err)
	}
	return true, nil
}

// keptRanges reads the kept results of kind for each consecutive range of bounds (with top
// 0) into dst(i), in one query, and says which ranges had one that still stands.
func (d *DB) keptRanges(ctx context.Context, kind string, bounds []time.Time, sc scoped, dst func(i int) any) ([]bool, error) {
	found := make([]bool, len(bounds)-1)
	index := map[time.Time]int{}
	args := []any{kind, sc.key()}
	var froms []string
	for i, b := range bounds[:len(bounds)-1] {
		index[b.UTC()] = i
		args = append(args, b.UTC())
		froms = append(froms, fmt.Sprintf("$%d", len(args)))
	}
	rows, err := d.db.QueryContext(ctx, `SELECT from_t, to_t, body FROM kept_counts k
		WHERE kind = $1 AND scope = $2 AND from_t IN (`+strings.Join(froms, ", ")+`)
		AND `+stands, args...)
	if err != nil {
		return nil, fmt.Errorf("read kept counts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var from, to time.Time
		var body string
		if err := rows.Scan(&from, &to, &body); err != nil {
			return nil, fmt.Errorf("read kept counts: %w", err)
		}
		i, ok := index[from.UTC()]
		if !ok || !to.UTC().Equal(bounds[i+1].UTC()) {
			continue // a range of other bounds that starts at the same instant
		}
		if err := json.Unmarshal([]byte(body), dst(i)); err != nil {
			return nil, fmt.Errorf("read kept counts: %w", err)
		}
		found[i] = true
	}
	return found, rows.Err()
}

// keep answers dst from a kept result, or counts it with count and keeps it.
func (d *DB) keep(ctx context.Context, kind string, r store.Range, sc scoped, top int, dst any, count func(q querier) error) error {
	ok, err := d.kept(ctx, d.db, kind, r, sc, top, dst)
	if ok || err != nil {
		return err
	}
	return d.keepAll(ctx, kind, []time.Time{r.From, r.To}, sc, top, func(q querier) ([]any, error) {
		return []any{dst}, count(q)
	})
}

// keepAll counts the consecutive ranges that bounds delimit, with count, which returns one
// result per range; and keeps each result. Keeping is a saving, not a duty: a read-only
// store, or a concurrent count keeping the same range, leaves the numbers counted as they
// are.
func (d *DB) keepAll(ctx context.Context, kind string, bounds []time.Time, sc scoped, top int, count func(q querier) ([]any, error)) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var epoch int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(epoch), 0) FROM event_changes`).Scan(&epoch); err != nil {
		return fmt.Errorf("read kept counts: %w", err)
	}
	results, err := count(tx)
	if err != nil {
		return err
	}
	if d.readOnly {
		return nil
	}
	for i, res := range results {
		body, err := json.Marshal(res)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO kept_counts (kind, from_t, to_t, scope, top, epoch, body)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, kind, bounds[i].UTC(), bounds[i+1].UTC(), sc.key(), top, epoch, string(body))
		if err != nil {
			slog.Debug("counts not kept", "kind", kind, "err", err)
			return nil
		}
	}
	if err := tx.Commit(); err != nil {
		slog.Debug("counts not kept", "kind", kind, "err", err)
	}
	return nil
}

// key names a scope in kept_counts.
func (sc scoped) key() string { return sc.count + " / " + sc.names }
