// Package webtest helps tests talk to a server they started.
package webtest

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// Call sends a request to a server the test started, with a bearer token when token is not
// empty, and returns the answer's status, header and body.
func Call(t testing.TB, method, url, token, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read the answer to %s %s: %v", method, url, err)
	}
	return resp.StatusCode, resp.Header, string(b)
}
