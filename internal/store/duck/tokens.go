package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"sitrep/internal/store"
)

// AddToken implements store.Tokens.
func (d *DB) AddToken(ctx context.Context, t store.Token, actor string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tokens (digest, name, role, created_at) VALUES (?, ?, ?, ?)`,
			t.Digest, t.Name, t.Role, t.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("add token: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (logged_at, actor, action, subject, detail) VALUES (?, ?, 'token.create', ?, ?)`,
			t.CreatedAt.UTC(), actor, t.Name, "role "+t.Role)
		return err
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
