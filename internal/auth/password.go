package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"
)

// Password lengths: long enough to resist guessing, short enough for bcrypt, which reads 72
// bytes at most (a longer password is refused rather than cut).
const (
	MinPassword = 12
	MaxPassword = 72
)

// PasswordCost is bcrypt's work factor for new hashes: about 60 ms a check on a server core.
var PasswordCost = bcrypt.DefaultCost

// CheckPasswordRules says why a password may not be set, or nil.
func CheckPasswordRules(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return errors.New("the password is not valid UTF-8")
	case utf8.RuneCountInString(pw) < MinPassword:
		return fmt.Errorf("the password is shorter than %d characters", MinPassword)
	case len(pw) > MaxPassword:
		return fmt.Errorf("the password is longer than %d bytes", MaxPassword)
	}
	return nil
}

// HashPassword returns the salted bcrypt hash the store keeps of a password.
func HashPassword(pw string) (string, error) {
	if err := CheckPasswordRules(pw); err != nil {
		return "", err
	}
	h, err := bcrypt.GenerateFromPassword([]byte(pw), PasswordCost)
	return string(h), err
}

var (
	decoyOnce sync.Once
	decoy     []byte
)

// PasswordMatches reports whether pw is the password of hash. With an empty hash (no such
// account) it checks against a decoy, so that an answer takes as long whether the account
// exists or not, and says no.
func PasswordMatches(hash, pw string) bool {
	if hash == "" {
		decoyOnce.Do(func() { decoy, _ = bcrypt.GenerateFromPassword([]byte("no account has this password"), PasswordCost) })
		bcrypt.CompareHashAndPassword(decoy, []byte(pw))
		return false
	}
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(pw)) == nil
}

// NewSession returns a new session's cookie value and the digest the store keeps of it.
func NewSession() (cookie, digest string, err error) {
	token, _, err := NewToken()
	if err != nil {
		return "", "", err
	}
	cookie = "s_" + token[len("sitrep_"):]
	return cookie, Digest(cookie), nil
}

// CSRFToken is the token a session's forms carry: derived from the session's cookie, which
// another site can neither read nor guess, so a form posted from elsewhere cannot carry it.
func CSRFToken(cookie string) string {
	m := hmac.New(sha256.New, []byte(cookie))
	m.Write([]byte("sitrep csrf"))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CSRFValid reports whether token is the session's CSRF token, in constant time.
func CSRFValid(cookie, token string) bool {
	return token != "" && hmac.Equal([]byte(CSRFToken(cookie)), []byte(token))
}
