// Package auth issues API tokens and says what a role may do. A token is shown once when it
// is created; the store keeps only its SHA-256 digest.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"sitrep/internal/event"
)

// Roles, each allowed what the ones before it are.
const (
	Viewer    = "viewer"
	Analyst   = "analyst"
	Editor    = "editor"
	Publisher = "publisher"
	Admin     = "admin"
)

// Roles lists the roles from least to most allowed.
var Roles = []string{Viewer, Analyst, Editor, Publisher, Admin}

// ParseRole accepts a role name.
func ParseRole(s string) (string, error) {
	r := strings.ToLower(strings.TrimSpace(s))
	if slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (want one of %s)", s, strings.Join(Roles, ", "))
}

// Allows reports whether role has at least the rights of need. The empty role (no token)
// has none.
func Allows(role, need string) bool {
	have := slices.Index(Roles, role)
	return have >= 0 && have >= slices.Index(Roles, need)
}

// NewToken returns a new random token and its digest.
func NewToken() (token, digest string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = "sitrep_" + base64.RawURLEncoding.EncodeToString(b)
	return token, Digest(token), nil
}

// Digest is what the store keeps of a token.
func Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// MaxTLP is the most restricted TLP label a role may read records of: analysts read up to
// AMBER, editors and publishers AMBER+STRICT, administrators everything; viewers read no
// records, only statistics.
func MaxTLP(role string) (event.TLP, bool) {
	switch role {
	case Analyst:
		return event.Amber, true
	case Editor, Publisher:
		return event.AmberStrict, true
	case Admin:
		return event.Red, true
	}
	return "", false
}

// TLPs lists the labels a role may read.
func TLPs(role string) []string {
	max, ok := MaxTLP(role)
	if !ok {
		return nil
	}
	return max.UpTo()
}
