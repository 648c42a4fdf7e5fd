package stats

import (
	"encoding/json"
	"testing"
)

func TestShareAndChange(t *testing.T) {
	tests := []struct {
		name string
		f    func(a, b int) *Tenths
		a, b int
		want string // "null" when no percentage
	}{
		{"GOV defaced 2018 No. 6", Share, 28, 1865, "1.5"},
		{"GOV backdoored 2018 No. 6", Share, 9, 717, "1.3"},
		{"GOV defaced 2014 No. 6", Share, 381, 4988, "7.6"},
		{"GOV backdoored 2014 No. 6", Share, 39, 1190, "3.3"},
		{"half rounds up", Share, 1, 8, "12.5"},            // 12.5 exactly
		{"half of a tenth rounds up", Share, 1, 16, "6.3"}, // 6.25
		{"just under half rounds down", Share, 6249, 100000, "6.2"},
		{"all", Share, 7, 7, "100.0"},
		{"none of some", Share, 0, 7, "0.0"},
		{"nothing to share", Share, 0, 0, "null"},
		{"drop 2018 No. 6", Change, 9, 14, "-35.7"},
		{"rise", Change, 381, 368, "3.5"},
		{"negative half rounds away from zero", Change, 15, 16, "-6.3"}, // -6.25
		{"flat", Change, 3, 3, "0.0"},
		{"seed GOV defaced", Change, 12, 15, "-20.0"},
		{"from zero", Change, 28, 0, "null"},
		{"to zero", Change, 0, 4, "-100.0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.f(tc.a, tc.b))
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tc.want {
				t.Errorf("got %s, want %s", b, tc.want)
			}
		})
	}
}

func TestRatio(t *testing.T) {
	for _, tc := range []struct {
		num, den int
		want     string
	}{{187, 60, "3"}, {113, 55, "2"}, {300, 100, "3"}, {5, 2, "3"}, {7, 0, "null"}, {0, 5, "0"}} {
		b, _ := json.Marshal(Ratio(tc.num, tc.den))
		if string(b) != tc.want {
			t.Errorf("Ratio(%d, %d) = %s, want %s", tc.num, tc.den, b, tc.want)
		}
	}
}
