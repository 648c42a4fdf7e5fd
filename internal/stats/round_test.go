package stats

import (
	"encoding/json"
	"fmt"
	"testing"
)

// TestRoundingHalvesBothSigns checks CONTRACT.md's rounding: one decimal, half away from zero
// on the magnitude, so that a fall reads as the rise of the same size with a minus sign
// (35.65 → 35.7, −35.65 → −35.7). Each case is an exact half of a tenth, which a float64 could
// not even hold (35.65 is 35.649999… as a float64 and would round down).
func TestRoundingHalvesBothSigns(t *testing.T) {
	tests := []struct {
		name string
		f    func(a, b int) *Tenths
		a, b int
		want string
	}{
		{"share 0.05", Share, 1, 2000, "0.1"},
		{"share 0.15", Share, 3, 2000, "0.2"},
		{"share 2.45", Share, 49, 2000, "2.5"},
		{"share 35.65", Share, 713, 2000, "35.7"},
		{"share 99.95", Share, 1999, 2000, "100.0"},
		{"rise 0.05", Change, 2001, 2000, "0.1"},
		{"fall 0.05", Change, 1999, 2000, "-0.1"},
		{"rise 0.15", Change, 2003, 2000, "0.2"},
		{"fall 0.15", Change, 1997, 2000, "-0.2"},
		{"rise 2.45", Change, 2049, 2000, "2.5"},
		{"fall 2.45", Change, 1951, 2000, "-2.5"},
		{"rise 35.65", Change, 2713, 2000, "35.7"},
		{"fall 35.65", Change, 1287, 2000, "-35.7"},
		{"fall 99.95", Change, 1, 2000, "-100.0"},
		{"rise 135.65", Change, 4713, 2000, "135.7"},
		{"rise 1000.05", Change, 22001, 2000, "1000.1"},
		{"rise 35.65 of a large count", Change, 2713000000, 2000000000, "35.7"},
		{"fall 35.65 of a large count", Change, 1287000000, 2000000000, "-35.7"},
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

// TestRoundDivSigns checks the helper under Share, Change and Ratio with either operand
// negative: the result is the magnitude's rounding with the quotient's sign.
func TestRoundDivSigns(t *testing.T) {
	tests := []struct {
		num, den, want int64
	}{
		{5, 10, 1}, {-5, 10, -1}, {5, -10, -1}, {-5, -10, 1},
		{15, 10, 2}, {-15, 10, -2}, {15, -10, -2}, {-15, -10, 2},
		{25, 10, 3}, {-25, 10, -3},
		{3565, 100, 36}, {-3565, 100, -36}, {3565, -100, -36},
		{4, 10, 0}, {-4, 10, 0}, {6, 10, 1}, {-6, 10, -1},
		{14999, 10000, 1}, {-14999, 10000, -1}, {15000, 10000, 2}, {-15000, 10000, -2},
		{0, 7, 0}, {0, -7, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d/%d", tc.num, tc.den), func(t *testing.T) {
			if got := roundDiv(tc.num, tc.den); got != tc.want {
				t.Errorf("roundDiv(%d, %d) = %d, want %d", tc.num, tc.den, got, tc.want)
			}
		})
	}
}

// TestTenthsStringSigns checks that a negative value below one keeps its minus sign and that
// both signs print the same digits.
func TestTenthsStringSigns(t *testing.T) {
	for _, tc := range []struct {
		v    Tenths
		want string
	}{{5, "0.5"}, {-5, "-0.5"}, {357, "35.7"}, {-357, "-35.7"}, {1000, "100.0"}, {-1000, "-100.0"}, {0, "0.0"}} {
		t.Run(tc.want, func(t *testing.T) {
			if got := tc.v.String(); got != tc.want {
				t.Errorf("Tenths(%d) = %q, want %q", int64(tc.v), got, tc.want)
			}
		})
	}
}

// TestTenthsJSONRoundTrip reads back what MarshalJSON writes, both signs, exactly.
func TestTenthsJSONRoundTrip(t *testing.T) {
	for _, v := range []Tenths{0, 1, -1, 5, -5, 15, -357, 1000005, -1000005} {
		b, err := v.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var got Tenths
		if err := got.UnmarshalJSON(b); err != nil || got != v {
			t.Errorf("%s read back as %s (%v)", b, got, err)
		}
	}
	for _, bad := range []string{"1.25", "x", "1.", "--1.0", "1.x"} {
		var got Tenths
		if err := got.UnmarshalJSON([]byte(bad)); err == nil {
			t.Errorf("%q read as %s", bad, got)
		}
	}
}
