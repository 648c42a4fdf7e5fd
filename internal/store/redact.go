package store

import "net/url"

// RedactedURL is the address s with its password taken out — the user's, and a password=
// parameter's — for messages and logs; ok is false where s does not parse as a URL.
func RedactedURL(s string) (redacted string, ok bool) {
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted(), true
}
