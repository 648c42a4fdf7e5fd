package feed

import "strings"

// documents are the JSON documents a CERT is sent or fetches that sitrep does not read (yet),
// by the top-level keys that mark them: a refusal can then say what the file is.
var documents = []struct {
	keys []string
	name string
}{
	{[]string{"cve_items"}, "an NVD JSON 1.1 feed (retired in 2023: read the CVE API 2.0's pages instead)"},
	{[]string{"query_status", "data"}, "an abuse.ch API answer sitrep does not read (MalwareBazaar's, say)"},
}

// KnownDocument names the JSON document whose top-level keys these are, or "".
func KnownDocument(keys []string) string {
	has := map[string]bool{}
	for _, k := range keys {
		has[strings.ToLower(k)] = true
	}
next:
	for _, d := range documents {
		for _, k := range d.keys {
			if !has[k] {
				continue next
			}
		}
		return d.name
	}
	return ""
}
