package store

import (
	"context"
	"time"
)

// Account is a person's login to the team's workspace in the browser. The password is kept
// only as a slow, salted hash (auth.HashPassword); machines use tokens instead.
type Account struct {
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Hash       string     `json:"-"`
	CreatedAt  time.Time  `json:"created_at"`
	DisabledAt *time.Time `json:"disabled_at,omitempty"`
}

// Session is a browser's login, kept by the digest of its cookie: the cookie itself is never
// stored. A session lives until Expires, or until it is ended.
type Session struct {
	Digest  string    `json:"-"`
	Account string    `json:"account"`
	Role    string    `json:"role"` // the account's role now, read with the session
	Created time.Time `json:"created_at"`
	Expires time.Time `json:"expires_at"`
	From    string    `json:"from"` // the address it was opened from
}

// Accounts keeps the workspace's accounts and their sessions. Every change to an account is
// written to the audit log in the same transaction.
type Accounts interface {
	// SetAccount adds an account, or replaces the role and the hash of one (enabling it
	// again), with an audit entry naming actor. A new hash (a new password) ends the account's
	// sessions; a new role holds for them at once. An existing account keeps its CreatedAt;
	// a's is the change's time.
	SetAccount(ctx context.Context, a Account, actor string) error
	// Account returns an account, or ErrNotFound.
	Account(ctx context.Context, name string) (Account, error)
	// ListAccounts lists the accounts, disabled ones too, by name.
	ListAccounts(ctx context.Context) ([]Account, error)
	// DisableAccount disables an account and ends its sessions, with an audit entry;
	// ErrNotFound when there is no such account.
	DisableAccount(ctx context.Context, name, actor string, at time.Time) error
	// AddSession records a new session.
	AddSession(ctx context.Context, s Session) error
	// SessionByDigest returns the session with that digest, with its account's role now,
	// provided it is not ended, not expired at at, and its account is enabled; ErrNotFound
	// otherwise.
	SessionByDigest(ctx context.Context, digest string, at time.Time) (Session, error)
	// EndSession ends one session (a logout); ending an ended one does nothing.
	EndSession(ctx context.Context, digest string, at time.Time) error
	// EndSessions ends every live session of an account, with an audit entry, and says how
	// many.
	EndSessions(ctx context.Context, account, actor string, at time.Time) (int, error)
	// Sessions lists the live sessions at at, newest first.
	Sessions(ctx context.Context, at time.Time) ([]Session, error)
}

// AuditFilter selects entries of the audit log; zero fields select all.
type AuditFilter struct {
	Subject string
	Actor   string
	// Action selects the entries whose action is this one or starts with it and a dot
	// ("ticket" selects ticket.resolve); with Exact, this one alone.
	Action       string
	Exact        bool
	From         string    // where the entries were asked from ("" any)
	Since, Until time.Time // [Since, Until)
	Limit        int
}

type originKey struct{}

// WithOrigin returns a context that says where a person's request came from (an address), so
// that the audit entries written under it record it.
func WithOrigin(ctx context.Context, from string) context.Context {
	return context.WithValue(ctx, originKey{}, from)
}

// OriginOf is where the request of ctx came from: "" when nobody said (the command line).
func OriginOf(ctx context.Context) string {
	s, _ := ctx.Value(originKey{}).(string)
	return s
}
