package incident

import (
	"slices"
	"testing"
)

// TestTransitions checks every pair of states: allowed or refused.
func TestTransitions(t *testing.T) {
	allowed := map[[2]State]bool{
		{New, Triaged}: true, {New, Rejected}: true, {New, Duplicate}: true,
		{Triaged, Coordinating}: true, {Triaged, Resolved}: true, {Triaged, Rejected}: true, {Triaged, Duplicate}: true,
		{Coordinating, Resolved}: true, {Coordinating, Rejected}: true, {Coordinating, Duplicate}: true,
		{Resolved, Closed}: true, {Resolved, Coordinating}: true,
	}
	for _, from := range States {
		for _, to := range States {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				if got := CanMove(from, to); got != allowed[[2]State{from, to}] {
					t.Errorf("CanMove = %v", got)
				}
			})
		}
	}
	for _, s := range []State{Closed, Rejected, Duplicate} {
		if !s.Final() || s.Open() {
			t.Errorf("%s: final %v open %v", s, s.Final(), s.Open())
		}
	}
	for _, s := range []State{New, Triaged, Coordinating} {
		if s.Final() || !s.Open() {
			t.Errorf("%s: final %v open %v", s, s.Final(), s.Open())
		}
	}
	if Resolved.Final() || Resolved.Open() {
		t.Error("resolved is neither open nor final")
	}
}

func TestPath(t *testing.T) {
	tests := []struct {
		from, to State
		want     []State
		bad      bool
	}{
		{New, Coordinating, []State{Triaged, Coordinating}, false},
		{New, Closed, []State{Triaged, Resolved, Closed}, false},
		{Coordinating, Closed, []State{Resolved, Closed}, false},
		{Resolved, Coordinating, []State{Coordinating}, false},
		{Closed, Coordinating, nil, true},
		{Rejected, Triaged, nil, true},
		{New, New, nil, true},
		{Resolved, Triaged, nil, true},
	}
	for _, tc := range tests {
		got, err := Path(tc.from, tc.to)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("Path(%s, %s) = %v, %v", tc.from, tc.to, got, err)
		}
	}
}
