package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sitrep/internal/store"
)

// AddToken implements store.Tokens.
func (d *DB) AddToken(ctx context.Context, t store.Token, actor string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (digest, name, role, created_at) VALUES (?, ?, ?, ?)`,
			t.Digest, t.Name, t.Role, t.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		return audit(ctx, tx, store.AuditEntry{At: t.CreatedAt, Actor: actor, Action: "token.create", Subject: t.Name, Detail: "role " + t.Role})
	})
}

// TokenByDigest implements store.Tokens.
func (d *DB) TokenByDigest(ctx context.Context, digest string) (store.Token, error) {
	t := store.Token{Digest: digest}
	err := d.db.QueryRowContext(ctx, `SELECT name, role, created_at FROM tokens WHERE digest = ? AND revoked_at IS NULL`, digest).
		Scan(&t.Name, &t.Role, &t.CreatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, err
}

// ListTokens implements store.Tokens.
func (d *DB) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT name, role, created_at, revoked_at FROM tokens ORDER BY name, created_at`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Token
	for rows.Next() {
		var t store.Token
		var revoked sql.NullTime
		if err := rows.Scan(&t.Name, &t.Role, &t.CreatedAt, &revoked); err != nil {
			return nil, err
		}
		if revoked.Valid {
			r := revoked.Time
			t.RevokedAt = &r
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeTokens implements store.Tokens.
func (d *DB) RevokeTokens(ctx context.Context, name, actor string, at time.Time) (int, error) {
	var n int64
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL`, at.UTC(), name)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		return audit(ctx, tx, store.AuditEntry{At: at, Actor: actor, Action: "token.revoke", Subject: name, Detail: fmt.Sprintf("%d token(s)", n)})
	})
	return int(n), err
}
