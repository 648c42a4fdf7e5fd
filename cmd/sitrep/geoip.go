package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"sitrep/internal/geoip"
)

// runGeoip builds a country database from Debian's tor-geoipdb ranges, for machines without a
// MaxMind database: `sitrep geoip import --out country.mmdb`, then ingest with --geoip.
func runGeoip(e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usageError{"the geoip command is: geoip import [--tor FILE] [--tor6 FILE] --out FILE.mmdb"}
	}
	fs := flag.NewFlagSet("geoip import", flag.ContinueOnError)
	v4 := fs.String("tor", "/usr/share/tor/geoip", "tor's IPv4 ranges `file` (Debian package tor-geoipdb)")
	v6 := fs.String("tor6", "/usr/share/tor/geoip6", "tor's IPv6 ranges `file`; empty to skip")
	out := fs.String("out", "", "the MMDB `file` to write")
	if err := e.parse(fs, args[1:]); err != nil {
		return err
	}
	if *out == "" {
		return usageError{"--out is required"}
	}
	var readers []io.Reader
	for _, path := range []string{*v4, *v6} {
		if path == "" {
			readers = append(readers, nil)
			continue
		}
		f, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%w (install Debian's tor-geoipdb, or name the file with --tor)", err)
		}
		defer f.Close()
		readers = append(readers, f)
	}
	w, err := os.Create(*out)
	if err != nil {
		return err
	}
	n, err := geoip.BuildFromTor(readers[0], readers[1], w)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d ranges\n", *out, n)
	return nil
}
