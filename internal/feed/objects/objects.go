// Package objects gives vulnerability records that carry no affected-object class one from a
// table of rules over their vendor, product, title and CPE names: the table sitrep ships
// (objects.toml), with an operator's rules tried first.
package objects

import (
	_ "embed"
	"fmt"
	"os"
	"slices"
	"strings"
	"unicode"

	"github.com/BurntSushi/toml"

	"sitrep/internal/event"
)

//go:embed objects.toml
var shipped string

// Record is what a rule looks at.
type Record struct {
	Vendor, Product, Title string
	CPEs                   []string
}

// Rules classify records; the first rule that matches gives the class.
type Rules struct{ rules []rule }

type rule struct {
	class   event.Object
	vendors []string   // lower case
	words   [][]string // Latin phrases as lower-case words
	han     []string   // words with other letters, matched anywhere
	cpe     []string   // lower-case prefixes
}

type file struct {
	Rule []struct {
		Class   string   `toml:"class"`
		Vendors []string `toml:"vendors"`
		Words   []string `toml:"words"`
		CPE     []string `toml:"cpe"`
	} `toml:"rule"`
}

func parse(name, text string) ([]rule, error) {
	var f file
	md, err := toml.Decode(text, &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s (a [[rule]] has class, vendors, words and cpe)", name, u[0])
	}
	var out []rule
	for i, r := range f.Rule {
		n := i + 1
		c, err := event.ParseEnum("class", r.Class, event.Objects)
		if err != nil {
			return nil, fmt.Errorf("%s: rule %d: %v", name, n, err)
		}
		if len(r.Vendors)+len(r.Words)+len(r.CPE) == 0 {
			return nil, fmt.Errorf("%s: rule %d (%s) gives no vendors, words or cpe, so it would match every record", name, n, c)
		}
		ru := rule{class: c}
		for _, v := range r.Vendors {
			if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
				ru.vendors = append(ru.vendors, v)
			}
		}
		for _, w := range r.Words {
			if ws := words(w); latin(w) && len(ws) > 0 {
				ru.words = append(ru.words, ws)
			} else if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				ru.han = append(ru.han, w)
			}
		}
		for _, p := range r.CPE {
			ru.cpe = append(ru.cpe, strings.ToLower(strings.TrimSpace(p)))
		}
		if len(r.Vendors) > 0 && len(ru.vendors) == 0 || len(r.Words) > 0 && len(ru.words)+len(ru.han) == 0 {
			return nil, fmt.Errorf("%s: rule %d (%s) has a list of nothing but blanks", name, n, c)
		}
		out = append(out, ru)
	}
	return out, nil
}

// Shipped is the table sitrep ships.
func Shipped() *Rules {
	r, err := parse("objects.toml", shipped)
	if err != nil {
		panic(err) // the shipped table is tested
	}
	return &Rules{rules: r}
}

// Read reads an operator's rules from path, to be tried before the shipped ones.
func Read(path string) (*Rules, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	own, err := parse(path, string(b))
	if err != nil {
		return nil, err
	}
	return &Rules{rules: append(own, Shipped().rules...)}, nil
}

// Classify returns the class of the first rule that matches the record, or "" when none does.
// The record's vendor, product and CPE names are tried first, and its title only where they
// say nothing: a title may be a whole description ("…a firmware crash in the Linux kernel's
// Wi-Fi driver") whose incidental words would outweigh what the record affects.
func (rs *Rules) Classify(rec Record) event.Object {
	if rs == nil {
		return ""
	}
	title := rec.Title
	rec.Title = ""
	if c := rs.classify(rec); c != "" {
		return c
	}
	rec.Title = title
	return rs.classify(rec)
}

func (rs *Rules) classify(rec Record) event.Object {
	vendors := vendorsOf(rec)
	text := strings.ToLower(rec.Product + " " + rec.Title)
	ws := words(rec.Product + " " + rec.Title)
	for _, cpe := range rec.CPEs { // a CPE's product, and the software it runs on, name what the record affects too
		f := cpeFields(cpe)
		for _, i := range []int{4, 10} {
			if i < len(f) && f[i] != "*" && f[i] != "-" {
				ws = append(append(ws, ""), words(f[i])...)
				text += " " + f[i]
			}
		}
	}
	cpes := make([]string, len(rec.CPEs))
	for i, c := range rec.CPEs {
		cpes[i] = strings.ToLower(c)
	}
	for _, r := range rs.rules {
		if len(r.vendors) > 0 && !slices.ContainsFunc(r.vendors, func(v string) bool { return slices.Contains(vendors, v) }) {
			continue
		}
		if len(r.words)+len(r.han) > 0 && !slices.ContainsFunc(r.words, func(p []string) bool { return phrase(ws, p) }) &&
			!slices.ContainsFunc(r.han, func(h string) bool { return strings.Contains(text, h) }) {
			continue
		}
		if len(r.cpe) > 0 && !slices.ContainsFunc(r.cpe, func(p string) bool {
			return slices.ContainsFunc(cpes, func(c string) bool { return strings.HasPrefix(c, p) })
		}) {
			continue
		}
		return r.class
	}
	return ""
}

// vendorsOf lists, in lower case, the record's vendor, its CPE names' vendors and the first
// word of its product.
func vendorsOf(rec Record) []string {
	var out []string
	add := func(s string) {
		if s = strings.ToLower(strings.TrimSpace(s)); s != "" && s != "*" && s != "-" {
			out = append(out, s, strings.ReplaceAll(s, "_", " "))
		}
	}
	add(rec.Vendor)
	for _, c := range rec.CPEs {
		if f := cpeFields(c); len(f) > 3 {
			add(f[3])
		}
	}
	if f := strings.FieldsFunc(rec.Product, func(r rune) bool { return unicode.IsSpace(r) || r == ',' }); len(f) > 0 {
		add(f[0])
	}
	return out
}

// cpeFields splits a CPE name at its colons: "cpe", "2.3", part, vendor, product, … (the URI
// form "cpe:/a:vendor:product" is given the same places). Escaped colons are not split.
func cpeFields(cpe string) []string {
	var f []string
	start := 0
	for i := 0; i < len(cpe); i++ {
		switch cpe[i] {
		case '\\':
			i++
		case ':':
			f = append(f, cpe[start:i])
			start = i + 1
		}
	}
	f = append(f, cpe[start:])
	if len(f) > 1 && strings.HasPrefix(f[1], "/") { // cpe:/a:vendor:product
		f = append([]string{f[0], "2.2", strings.TrimPrefix(f[1], "/")}, f[2:]...)
	}
	return f
}

// words splits text into lower-case words of letters and digits; '-' and '.' join the parts
// of a word (nx-os, node.js), anything else ends it, including Chinese, so that
// "WordPress插件" holds the word "wordpress".
func words(s string) []string {
	ws := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == '-' || r == '.')
	})
	out := ws[:0]
	for _, w := range ws {
		if w = strings.Trim(w, ".-"); w != "" {
			out = append(out, w)
		}
	}
	return out
}

// phrase tells whether the words p occur in ws one after another.
func phrase(ws, p []string) bool {
	for i := 0; i+len(p) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(p)], p) {
			return true
		}
	}
	return false
}

// latin tells whether a rule's word is written in ASCII only, and so matched as whole words.
func latin(s string) bool {
	for _, r := range s {
		if r >= unicode.MaxASCII {
			return false
		}
	}
	return true
}
