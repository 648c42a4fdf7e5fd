package auth

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		role, need string
		ok         bool
	}{
		{Viewer, Viewer, true}, {Viewer, Analyst, false}, {Analyst, Viewer, true}, {Editor, Analyst, true},
		{Editor, Publisher, false}, {Publisher, Editor, true}, {Admin, Publisher, true}, {"", Viewer, false}, {"root", Viewer, false},
	} {
		if got := Allows(tc.role, tc.need); got != tc.ok {
			t.Errorf("Allows(%q, %q) = %v", tc.role, tc.need, got)
		}
	}
	if _, err := ParseRole("Wizard"); err == nil {
		t.Error("unknown role accepted")
	}
	if r, _ := ParseRole(" Editor "); r != Editor {
		t.Errorf("ParseRole = %q", r)
	}
	if got := TLPs(Analyst); !slices.Equal(got, []string{"CLEAR", "GREEN", "AMBER"}) {
		t.Errorf("analyst TLPs %v", got)
	}
	if TLPs(Viewer) != nil || len(TLPs(Admin)) != 5 {
		t.Errorf("viewer %v admin %v", TLPs(Viewer), TLPs(Admin))
	}
}

func TestTokens(t *testing.T) {
	a, da, _ := NewToken()
	b, db, _ := NewToken()
	if a == b || da == db || !strings.HasPrefix(a, "sitrep_") || len(a) < 40 || Digest(a) != da || strings.Contains(da, a) {
		t.Errorf("tokens %q %q", a, b)
	}
}

func TestPasswords(t *testing.T) {
	PasswordCost = 4 // bcrypt's least: these tests check the rules, not the cost
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h, "horse") || !PasswordMatches(h, "correct horse battery") || PasswordMatches(h, "correct horse batterx") {
		t.Errorf("hash %q", h)
	}
	if h2, _ := HashPassword("correct horse battery"); h2 == h {
		t.Error("two hashes of one password are alike: no salt")
	}
	if PasswordMatches("", "correct horse battery") {
		t.Error("a password matched no account")
	}
	for _, pw := range []string{"short", strings.Repeat("长", 25), "\xff\xfe invalid utf-8 bytes"} {
		if _, err := HashPassword(pw); err == nil {
			t.Errorf("password %q accepted", pw)
		}
	}
	if _, err := HashPassword(strings.Repeat("长", 24)); err != nil { // 72 bytes
		t.Errorf("72-byte password refused: %v", err)
	}
}

func TestSessionsAndCSRF(t *testing.T) {
	a, da, _ := NewSession()
	b, _, _ := NewSession()
	if a == b || Digest(a) != da || !strings.HasPrefix(a, "s_") {
		t.Errorf("sessions %q %q", a, b)
	}
	if CSRFToken(a) == CSRFToken(b) || !CSRFValid(a, CSRFToken(a)) || CSRFValid(a, CSRFToken(b)) || CSRFValid(a, "") {
		t.Error("CSRF tokens do not tell sessions apart")
	}
}

// BenchmarkPasswordCheck measures a login's password check at the cost new hashes get: what
// each guess costs the server, and the guesser.
func BenchmarkPasswordCheck(b *testing.B) {
	PasswordCost = bcrypt.DefaultCost
	h, err := HashPassword("correct horse battery")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		PasswordMatches(h, "correct horse batterx")
	}
}
