package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"sitrep/internal/store"
)

// SetAccount implements store.Accounts. The account's name is locked first, so that two
// changes to one account at once are applied one after the other.
func (d *DB) SetAccount(ctx context.Context, a store.Account, actor string) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, "account:"+a.Name); err != nil {
			return err
		}
		var hash *string
		err := tx.QueryRow(ctx, `SELECT hash FROM accounts WHERE name = $1`, a.Name).Scan(&hash)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		action, detail := "account.add", "role "+a.Role
		if hash != nil {
			action = "account.change"
			if _, err := tx.Exec(ctx, `UPDATE accounts SET role = $1, hash = $2, disabled_at = NULL WHERE name = $3`, a.Role, a.Hash, a.Name); err != nil {
				return fmt.Errorf("change account %s: %w", a.Name, err)
			}
			if *hash != a.Hash { // a new password: whoever held the old one is logged out
				n, err := endSessions(ctx, tx, a.Name, a.CreatedAt)
				if err != nil {
					return err
				}
				detail += fmt.Sprintf(", new password, %d session(s) ended", n)
			}
		} else if _, err := tx.Exec(ctx, `INSERT INTO accounts (name, role, hash, created_at) VALUES ($1, $2, $3, $4)`,
			a.Name, a.Role, a.Hash, a.CreatedAt.UTC()); err != nil {
			return fmt.Errorf("add account %s: %w", a.Name, err)
		}
		return audit(ctx, tx, store.AuditEntry{At: a.CreatedAt, Actor: actor, Action: action, Subject: a.Name, Detail: detail})
	})
}

const accountCols = `name, role, hash, created_at, disabled_at`

func scanAccount(row pgx.CollectableRow) (store.Account, error) {
	var a store.Account
	err := row.Scan(&a.Name, &a.Role, &a.Hash, &a.CreatedAt, &a.DisabledAt)
	a.CreatedAt, a.DisabledAt = a.CreatedAt.UTC(), utc(a.DisabledAt)
	return a, err
}

// Account implements store.Accounts.
func (d *DB) Account(ctx context.Context, name string) (store.Account, error) {
	if !storable(name) {
		return store.Account{}, fmt.Errorf("account %q: %w", name, store.ErrNotFound)
	}
	rows, _ := d.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts WHERE name = $1`, name)
	a, err := pgx.CollectExactlyOneRow(rows, scanAccount)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, fmt.Errorf("account %s: %w", name, store.ErrNotFound)
	}
	return a, err
}

// ListAccounts implements store.Accounts.
func (d *DB) ListAccounts(ctx context.Context) ([]store.Account, error) {
	rows, _ := d.pool.Query(ctx, `SELECT `+accountCols+` FROM accounts ORDER BY name`)
	out, err := pgx.CollectRows(rows, scanAccount)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}

// DisableAccount implements store.Accounts.
func (d *DB) DisableAccount(ctx context.Context, name, actor string, at time.Time) error {
	return d.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockKey(ctx, tx, "account:"+name); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET disabled_at = $1 WHERE name = $2`, at.UTC(), name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
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
	_, err := d.pool.Exec(ctx, `INSERT INTO sessions (digest, account, created_at, expires_at, from_addr) VALUES ($1, $2, $3, $4, $5)`,
		s.Digest, s.Account, s.Created.UTC(), s.Expires.UTC(), null(s.From))
	if err != nil {
		return fmt.Errorf("add session: %w", friendly(err))
	}
	return nil
}

const sessionCols = `s.digest, s.account, a.role, s.created_at, s.expires_at, coalesce(s.from_addr, '')`

func scanSession(row pgx.CollectableRow) (store.Session, error) {
	var s store.Session
	err := row.Scan(&s.Digest, &s.Account, &s.Role, &s.Created, &s.Expires, &s.From)
	s.Created, s.Expires = s.Created.UTC(), s.Expires.UTC()
	return s, err
}

// SessionByDigest implements store.Accounts.
func (d *DB) SessionByDigest(ctx context.Context, digest string, at time.Time) (store.Session, error) {
	if !storable(digest) {
		return store.Session{}, store.ErrNotFound
	}
	rows, _ := d.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions s JOIN accounts a ON a.name = s.account
		WHERE s.digest = $1 AND s.ended_at IS NULL AND s.expires_at > $2 AND a.disabled_at IS NULL`, digest, at.UTC())
	s, err := pgx.CollectExactlyOneRow(rows, scanSession)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, store.ErrNotFound
	}
	return s, err
}

// EndSession implements store.Accounts.
func (d *DB) EndSession(ctx context.Context, digest string, at time.Time) error {
	_, err := d.pool.Exec(ctx, `UPDATE sessions SET ended_at = $1 WHERE digest = $2 AND ended_at IS NULL`, at.UTC(), digest)
	return err
}

// EndSessions implements store.Accounts.
func (d *DB) EndSessions(ctx context.Context, account, actor string, at time.Time) (int, error) {
	var n int
	err := d.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if n, err = endSessions(ctx, tx, account, at); err != nil || n == 0 {
			return err
		}
		return audit(ctx, tx, store.AuditEntry{At: at, Actor: actor, Action: "account.logout", Subject: account, Detail: fmt.Sprintf("%d session(s) ended", n)})
	})
	return n, err
}

func endSessions(ctx context.Context, tx pgx.Tx, account string, at time.Time) (int, error) {
	tag, err := tx.Exec(ctx, `UPDATE sessions SET ended_at = $1 WHERE account = $2 AND ended_at IS NULL AND expires_at > $1`, at.UTC(), account)
	if err != nil {
		return 0, fmt.Errorf("end the sessions of %s: %w", account, err)
	}
	return int(tag.RowsAffected()), nil
}

// Sessions implements store.Accounts.
func (d *DB) Sessions(ctx context.Context, at time.Time) ([]store.Session, error) {
	rows, _ := d.pool.Query(ctx, `SELECT `+sessionCols+` FROM sessions s JOIN accounts a ON a.name = s.account
		WHERE s.ended_at IS NULL AND s.expires_at > $1 AND a.disabled_at IS NULL ORDER BY s.created_at DESC`, at.UTC())
	out, err := pgx.CollectRows(rows, scanSession)
	if len(out) == 0 {
		out = nil
	}
	return out, err
}
