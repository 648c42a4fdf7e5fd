package main

import (
	"fmt"
	"strings"
	"unicode"
)

// printable makes text that came from input safe to print on a terminal: control characters
// (escape sequences among them) and line breaks are shown as \xNN instead of acting.
func printable(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, `\x%02x`, r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
