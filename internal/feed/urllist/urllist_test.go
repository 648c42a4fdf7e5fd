package urllist

import (
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"sitrep/internal/tabular"
)

func TestReader(t *testing.T) {
	in := "# OpenPhish\nhttps://evil.example.top/login\n\nhttp://www..example.com/phishing\n" + "https://x.top/" + strings.Repeat("a", tabular.MaxField) + "\nhttps://last.example.net/no-newline"
	if !Looks([]byte(in)) || Looks([]byte("time,kind\n")) || Looks([]byte("url,target\nhttps://x/,y\n")) {
		t.Fatal("Looks is wrong")
	}
	when := time.Date(2024, 2, 27, 10, 0, 0, 0, time.UTC)
	r := NewReader(strings.NewReader(in), when, "openphish")
	var got []string
	for {
		row, err := r.Next()
		if err == io.EOF {
			break
		}
		var re *tabular.RowError
		if errors.As(err, &re) {
			got = append(got, "reject:"+string(rune('0'+re.Line)))
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join(row.Fields, "|")+"@"+string(rune('0'+row.Line)))
	}
	want := []string{"2024-02-27T10:00:00Z|phishing|https://evil.example.top/login|openphish@2",
		"2024-02-27T10:00:00Z|phishing|http://www..example.com/phishing|openphish@4", "reject:5",
		"2024-02-27T10:00:00Z|phishing|https://last.example.net/no-newline|openphish@6"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s", strings.Join(got, "\n"))
	}
}
