// Package geoip locates IP addresses from MaxMind-format databases (MMDB): the country and,
// where the database has it, the province (first subdivision) from a City or Country database,
// and the AS number from an ASN database. It also builds a country database from the ranges
// Debian's tor-geoipdb ships, for a machine without any other.
//
// A DB is safe for concurrent use.
package geoip

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/oschwald/maxminddb-golang/v2"

	"sitrep/internal/enrich"
)

// DB locates addresses. Either database may be absent.
type DB struct {
	city, asn *maxminddb.Reader
}

type cityRecord struct {
	Country struct {
		ISOCode string `maxminddb:"iso_code"`
	} `maxminddb:"country"`
	Subdivisions []struct {
		ISOCode string            `maxminddb:"iso_code"`
		Names   map[string]string `maxminddb:"names"`
	} `maxminddb:"subdivisions"`
}

type asnRecord struct {
	ASN uint32 `maxminddb:"autonomous_system_number"`
}

// Open opens a City or Country database at cityPath and an ASN database at asnPath; an empty
// path leaves that one out.
func Open(cityPath, asnPath string) (*DB, error) {
	if cityPath == "" && asnPath == "" {
		return nil, errors.New("no geolocation database given")
	}
	db := &DB{}
	var err error
	if cityPath != "" {
		if db.city, err = maxminddb.Open(cityPath); err != nil {
			return nil, fmt.Errorf("geolocation database %s: %w", cityPath, err)
		}
	}
	if asnPath != "" {
		if db.asn, err = maxminddb.Open(asnPath); err != nil {
			db.Close()
			return nil, fmt.Errorf("ASN database %s: %w", asnPath, err)
		}
	}
	return db, nil
}

// Close releases the databases.
func (db *DB) Close() error {
	var errs []error
	if db.city != nil {
		errs = append(errs, db.city.Close())
	}
	if db.asn != nil {
		errs = append(errs, db.asn.Close())
	}
	return errors.Join(errs...)
}

// Locate returns what the databases know of ip: its country (ISO alpha-2), its province as a
// canonical Chinese name when the country is CN and the database has subdivisions, and its AS
// number. Unknown parts are empty or 0.
func (db *DB) Locate(ip string) (country, province string, asn uint32) {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "", "", 0
	}
	if db.city != nil {
		var r cityRecord
		if err := db.city.Lookup(a).Decode(&r); err == nil {
			country = r.Country.ISOCode
			if country == "CN" && len(r.Subdivisions) > 0 {
				names := r.Subdivisions[0].Names
				for _, n := range []string{names["zh-CN"], names["en"]} {
					if p, ok := enrich.Province(n); ok {
						province = p
						break
					}
				}
			}
		}
	}
	if db.asn != nil {
		var r asnRecord
		if err := db.asn.Lookup(a).Decode(&r); err == nil {
			asn = r.ASN
		}
	}
	return country, province, asn
}
