package bulletin

import (
	_ "embed"
	"fmt"
	"maps"
	"os"
	"unicode"

	"github.com/BurntSushi/toml"
)

//go:embed names.toml
var shippedNames string

// Names maps organisations' names as the data gives them (中国工商银行) to the names the English
// edition prints (ICBC).
type Names map[string]string

type namesFile struct {
	Organisations map[string]string `toml:"organisations"`
}

func parseNames(name, text string) (Names, error) {
	var f namesFile
	md, err := toml.Decode(text, &f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if u := md.Undecoded(); len(u) > 0 {
		return nil, fmt.Errorf("%s: unknown key %s (the table is [organisations])", name, u[0])
	}
	for k, v := range f.Organisations {
		if v == "" {
			return nil, fmt.Errorf("%s: organisations.%q has an empty English name", name, k)
		}
	}
	return f.Organisations, nil
}

// ShippedNames is the table sitrep ships.
func ShippedNames() Names {
	n, err := parseNames("names.toml", shippedNames)
	if err != nil {
		panic(err) // the shipped table is tested
	}
	return n
}

// ReadNames reads an operator's table from path over the shipped one: its names are added,
// and where both name an organisation the operator's wins.
func ReadNames(path string) (Names, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	extra, err := parseNames(path, string(b))
	if err != nil {
		return nil, err
	}
	n := ShippedNames()
	maps.Copy(n, extra)
	return n, nil
}

// orgName is the English name of an organisation: the table's, or the name itself where it is
// already written in Latin letters; ok is false where the English edition would have to print
// Chinese (warnings tell the editor).
func (n Names) english(name string) (string, bool) {
	if e, ok := n[name]; ok {
		return e, true
	}
	return name, !hasHan(name)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
