package auth

import (
	"slices"
	"strings"
	"testing"
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
