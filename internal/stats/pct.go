package stats

import (
	"fmt"
	"strconv"
	"strings"
)

// Tenths is a number with one decimal, kept as an integer count of tenths so that rounding is
// exact: 1.5% is Tenths(15). It marshals to JSON as the decimal number.
type Tenths int64

// Float returns the value as a float64.
func (t Tenths) Float() float64 { return float64(t) / 10 }

// MarshalJSON writes the number with at most one decimal.
func (t Tenths) MarshalJSON() ([]byte, error) {
	return []byte(t.String()), nil
}

// UnmarshalJSON reads a number with at most one decimal, as MarshalJSON writes it, exactly:
// the digits are read as text, never through binary floating point.
func (t *Tenths) UnmarshalJSON(b []byte) error {
	s := string(b)
	whole, frac, dotted := strings.Cut(s, ".")
	if dotted && len(frac) != 1 || frac != "" && (frac[0] < '0' || frac[0] > '9') {
		return fmt.Errorf("tenths: %q has not one decimal", s)
	}
	neg := strings.HasPrefix(whole, "-")
	digits := strings.TrimPrefix(whole, "-")
	n, err := strconv.ParseUint(digits, 10, 63)
	if err != nil {
		return fmt.Errorf("tenths: %q: %w", s, err)
	}
	v := int64(n) * 10
	if frac != "" {
		v += int64(frac[0] - '0')
	}
	if neg {
		v = -v
	}
	*t = Tenths(v)
	return nil
}

// String formats the value with exactly one decimal: "1.5", "-35.7", "0.0".
func (t Tenths) String() string {
	sign := ""
	v := int64(t)
	if v < 0 {
		sign, v = "-", -v
	}
	return sign + strconv.FormatInt(v/10, 10) + "." + strconv.FormatInt(v%10, 10)
}

// roundDiv returns num/den rounded half away from zero (四舍五入 on the magnitude).
func roundDiv(num, den int64) int64 {
	if den < 0 {
		num, den = -num, -den
	}
	if num < 0 {
		return -((-num*2 + den) / (2 * den))
	}
	return (num*2 + den) / (2 * den)
}

// Share returns part/whole as a percentage with one decimal, or nil when whole is 0.
func Share(part, whole int) *Tenths {
	if whole == 0 {
		return nil
	}
	t := Tenths(roundDiv(int64(part)*1000, int64(whole)))
	return &t
}

// Change returns the week-over-week change from prev to cur as a percentage with one decimal,
// or nil when prev is 0: no percentage is invented from nothing.
func Change(cur, prev int) *Tenths {
	if prev == 0 {
		return nil
	}
	t := Tenths(roundDiv(int64(cur-prev)*1000, int64(prev)))
	return &t
}

// Ratio returns num/den rounded half up to a whole number, or nil when den is 0.
func Ratio(num, den int) *int {
	if den == 0 {
		return nil
	}
	r := int(roundDiv(int64(num), int64(den)))
	return &r
}
