package geoip

import (
	"bufio"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// BuildFromTor writes a country database (MMDB, the GeoLite2-Country layout) from tor's geoip
// files: IPv4 lines "FROM,TO,CC" with addresses as integers, IPv6 lines "FROM,TO,CC" with
// addresses written out. Comments and blank lines are skipped; either reader may be nil.
// It returns how many ranges it read.
func BuildFromTor(v4, v6 io.Reader, out io.Writer) (int, error) {
	tree, err := mmdbwriter.New(mmdbwriter.Options{DatabaseType: "sitrep-Country", RecordSize: 24, IncludeReservedNetworks: true, DisableIPv4Aliasing: true,
		Description: map[string]string{"en": "Country ranges from tor-geoipdb"}})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, src := range []struct {
		r    io.Reader
		ipv6 bool
	}{{v4, false}, {v6, true}} {
		if src.r == nil {
			continue
		}
		sc := bufio.NewScanner(src.r)
		line := 0
		for sc.Scan() {
			line++
			text := strings.TrimSpace(sc.Text())
			if text == "" || strings.HasPrefix(text, "#") {
				continue
			}
			parts := strings.Split(text, ",")
			if len(parts) != 3 {
				return n, fmt.Errorf("line %d: want FROM,TO,CC: %q", line, text)
			}
			from, to := parseTorAddr(parts[0], src.ipv6), parseTorAddr(parts[1], src.ipv6)
			cc := strings.ToUpper(strings.TrimSpace(parts[2]))
			if from == nil || to == nil || len(cc) != 2 {
				return n, fmt.Errorf("line %d: bad range %q", line, text)
			}
			if cc == "??" {
				continue
			}
			rec := mmdbtype.Map{"country": mmdbtype.Map{"iso_code": mmdbtype.String(cc)}}
			if err := tree.InsertRange(from, to, rec); err != nil {
				return n, fmt.Errorf("line %d: %w", line, err)
			}
			n++
		}
		if err := sc.Err(); err != nil {
			return n, err
		}
	}
	_, err = tree.WriteTo(out)
	return n, err
}

func parseTorAddr(s string, ipv6 bool) net.IP {
	s = strings.TrimSpace(s)
	if ipv6 {
		return net.ParseIP(s)
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok || v.BitLen() > 32 {
		return nil
	}
	u := v.Uint64()
	return net.IPv4(byte(u>>24), byte(u>>16), byte(u>>8), byte(u)).To4()
}
