package duck

import (
	"context"
	"database/sql"
	"fmt"

	"sitrep/internal/store"
)

// Rejects implements store.Quarantine: the rows set aside, in input and line order.
func (d *DB) Rejects(ctx context.Context, f store.RejectFilter) ([]store.Reject, error) {
	q := `SELECT r.input_id, i.name, r.line, r.field, r.reason, r.raw, r.set_aside_at
		FROM rejects r JOIN inputs i ON i.id = r.input_id
		WHERE $1 = '' OR i.name = $1 OR starts_with(i.sha256, $1)
		ORDER BY i.first_at, r.input_id, r.line`
	args := []any{f.Input}
	if f.Limit > 0 {
		q += ` LIMIT $2`
		args = append(args, f.Limit)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("read quarantine: %w", err)
	}
	defer rows.Close()
	var out []store.Reject
	for rows.Next() {
		var r store.Reject
		var name, field, raw sql.NullString
		if err := rows.Scan(&r.InputID, &name, &r.Line, &field, &r.Reason, &raw, &r.At); err != nil {
			return nil, err
		}
		r.Input, r.Field, r.Raw = name.String, field.String, raw.String
		out = append(out, r)
	}
	return out, rows.Err()
}
