package clickhouse

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Kept results. A week's statistics ask for its events' counts, the week before's and a
// dozen weeks of history; counting them is a pass over the events each time. So the store
// keeps what it counted over events, per range, scope and kind of result (table kept), and a
// later question about the same range reads the answer.
//
// What is kept never outlives the events it was counted from. Each kept row carries how many
// committed batches touched its range (their events' times, the ledger's lo and hi) — or,
// for results that name new families, anything before its end — as read before counting. It
// stands while that number is the same: a batch committed since, whose events touch the
// range, makes it larger. A batch committed while counting makes it larger too, so a result
// counted with or without it is counted again, never kept wrong. Batches are never taken out
// of the ledger, so the number only grows.

// seen is how many committed batches touched [from, to) — or, with before, anything before to.
func (d *DB) seen(ctx context.Context, from, to int64, before bool) (uint64, error) {
	var n uint64
	err := d.conn.QueryRow(ctx, `SELECT count() FROM (SELECT input_id, batch FROM input_batches
		WHERE hi > lo AND lo < ? AND (? OR hi > ?) GROUP BY input_id, batch)`, to, before, from).Scan(&n)
	return n, err
}

// keep answers dst from the kept result of kind for [from, to) in scope (top: its size; before:
// whether it depends on every event before to), or counts it with count and keeps it.
func (d *DB) keep(ctx context.Context, kind string, from, to int64, scope string, top int, before bool, dst any, count func() error) error {
	seen, err := d.seen(ctx, from, to, before)
	if err != nil {
		return fmt.Errorf("kept counts: %w", err)
	}
	var body string
	var n uint64
	err = d.conn.QueryRow(ctx, `SELECT argMax(body, at), count() FROM kept
		WHERE kind = ? AND from_t = ? AND to_t = ? AND scope = ? AND top = ? AND seen = ?`,
		kind, from, to, scope, int32(top), seen).Scan(&body, &n)
	if err != nil {
		return fmt.Errorf("kept counts: %w", err)
	}
	if n > 0 && json.Unmarshal([]byte(body), dst) == nil {
		return nil
	}
	if err := count(); err != nil {
		return err
	}
	b, err := json.Marshal(dst)
	if err != nil {
		return err
	}
	kb, err := d.conn.PrepareBatch(ctx, `INSERT INTO kept (kind, from_t, to_t, scope, top, seen, body, at)`)
	if err != nil {
		return err
	}
	if err := kb.Append(kind, from, to, scope, int32(top), seen, string(b), time.Now().UnixMicro()); err != nil {
		return err
	}
	return kb.Send() // a result not kept is counted again next time
}
