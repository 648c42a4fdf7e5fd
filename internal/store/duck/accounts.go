package duck

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"sitrep/internal/store"
)

// SetAccount implements store.Accounts.
func (d *DB) SetAccount(ctx context.Context, a store.Account, actor string) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		var had int
		var hash string
		if err := tx.QueryRowContext(ctx, `SELECT count(*), coalesce(min(hash), '') FROM accounts WHERE name = ?`, a.Name).Scan(&had, &hash); err != nil {
			return err
		}
		action, detail := "account.add", "role "+a.Role
		if had > 0 {
			action = "account.change"
			if _, err := tx.ExecContext(ctx, `UPDATE accounts SET role = ?, hash = ?, disabled_at = NULL WHERE name = ?`, a.Role, a.Hash, a.Name); err != nil {
				return fmt.Errorf("change account %s: %w", a.Name, err)
			}
			if hash != a.Hash { // a new password: whoever held the old one is logged out
				n, err := endSessions(ctx, tx, a.Name, a.CreatedAt)
				if err != nil {
					return err
				}
				detail += fmt.Sprintf(", new password, %d session(s) ended", n)
			}
		} else if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (name, role, hash, created_at) VALUES (?, ?, ?, ?)`,
			a.Name, a.Role, a.Hash, a.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("add account %s: %w", a.Name, err)
		}
		return audit(ctx, tx, store.AuditEntry{At: a.CreatedAt, Actor: actor, Action: action, Subject: a.Name, Detail: detail})
	})
}

// Account implements store.Accounts.
func (d *DB) Account(ctx context.Context, name string) (store.Account, error) {
	a, err := scanAccount(d.db.QueryRowContext(ctx, `SELECT `+accountCols+` FROM accounts WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return a, fmt.Errorf("account %s: %w", name, store.ErrNotFound)
	}
	return a, err
}

// ListAccounts implements store.Accounts.
func (d *DB) ListAccounts(ctx context.Context) ([]store.Account, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

const accountCols = `name, role, hash, created_at, disabled_at`

func scanAccount(row interface{ Scan(...any) error }) (store.Account, error) {
	var a store.Account
	var disabled sql.NullTime
	if err := row.Scan(&a.Name, &a.Role, &a.Hash, &a.CreatedAt, &disabled); err != nil {
		return a, err
	}
	if disabled.Valid {
		a.DisabledAt = &disabled.Time
	}
	return a, nil
}

// DisableAccount implements store.Accounts.
func (d *DB) DisableAccount(ctx context.Context, name, actor string, at time.Time) error {
	return d.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET disabled_at = ? WHERE name = ?`, at.UTC(), name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("account %s: %w", name, store.ErrNotFound)
		}
		n, err := endSessions(ctx, tx, name, at)
		if err != nil {
			return err
		}
		return audit(ctx, tx, store.AuditEntry{At: at, Actor: actor, Action: "account.disable", Subject: name, Detail: fmt.Sprintf("%d session(s) ended", n)})
	})
}

// AddSession implements store.Accounts.
func (d *DB) AddSession(ctx context.Context, s store.Session) error {
	_, err := d.db.ExecContext(ctx, `INSERT INTO sessions (digest, account, created_at, expires_at, from_addr) VALUES (?, ?, ?, ?, ?)`,
		s.Digest, s.Account, s.Created.UTC(), s.Expires.UTC(), null(s.From))
	if err != nil {
		return fmt.Errorf("add session: %w", err)
	}
	return nil
}

const sessionCols = `s.digest, s.account, a.role, s.created_at, s.expires_at, coalesce(s.from_addr, '')`

func scanSession(row interface{ Scan(...any) error }) (store.Session, error) {
	var s store.Session
	err := row.Scan(&s.Digest, &s.Account, &s.Role, &s.Created, &s.Expires, &s.From)
	return s, err
}

// SessionByDigest implements store.Accounts.
func (d *DB) SessionByDigest(ctx context.Context, digest string, at time.Time) (store.Session, error) {
	s, err := scanSession(d.db.QueryRowContext(ctx, `SELECT `+sessionCols+` FROM sessions s JOIN accounts a ON a.name = s.account
		WHERE s.digest = ? AND s.ended_at IS NULL AND s.expires_at > ? AND a.disabled_at IS NULL`, digest, at.UTC()))
	if errors.Is(err, sql.ErrNoRows) {
		return s, store.ErrNotFound
	}
	return s, err
}

// EndSession implements store.Accounts.
func (d *DB) EndSession(ctx context.Context, digest string, at time.Time) error {
	_, err := d.db.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE digest = ? AND ended_at IS NULL`, at.UTC(), digest)
	return err
}

// EndSessions implements store.Accounts.
func (d *DB) EndSessions(ctx context.Context, account, actor string, at time.Time) (int, error) {
	var n int
	err := d.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = endSessions(ctx, tx, account, at); err != nil || n == 0 {
			return err
		}
		return audit(ctx, tx, store.AuditEntry{At: at, Actor: actor, Action: "account.logout", Subject: account, Detail: fmt.Sprintf("%d session(s) ended", n)})
	})
	return n, err
}

func endSessions(ctx context.Context, tx *sql.Tx, account string, at time.Time) (int, error) {
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE account = ? AND ended_at IS NULL AND expires_at > ?`, at.UTC(), account, at.UTC())
	if err != nil {
		return 0, fmt.Errorf("end the sessions of %s: %w", account, err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// Sessions implements store.Accounts.
func (d *DB) Sessions(ctx context.Context, at time.Time) ([]store.Session, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+sessionCols+` FROM sessions s JOIN accounts a ON a.name = s.account
		WHERE s.ended_at IS NULL AND s.expires_at > ? AND a.disabled_at IS NULL ORDER BY s.created_at DESC`, at.UTC())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
