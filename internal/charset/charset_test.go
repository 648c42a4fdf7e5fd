package charset

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSniffAndDecode(t *testing.T) {
	const text = "time,kind,province\n2024-02-26 10:00:00,infected_host,广东省\n"
	tests := []struct {
		name string
		in   []byte
		want Encoding
	}{
		{"utf-8", []byte(text), UTF8},
		{"utf-8 with bom", append([]byte{0xEF, 0xBB, 0xBF}, text...), UTF8BOM},
		{"gbk", gbk(t, text), GB18030},
		{"gb18030 four-byte", func() []byte {
			b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text + "€𠀀\n"))
			return b
		}(), GB18030},
		{"ascii", []byte("time,kind\n"), UTF8},
		{"empty", nil, UTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Sniff(oneByte{bytes.NewReader(tc.in)})
			if err != nil {
				t.Fatal(err)
			}
			if info.Encoding != tc.want {
				t.Fatalf("encoding %s, want %s", info.Encoding, tc.want)
			}
			if info.Size != int64(len(tc.in)) || len(info.SHA256) != 64 {
				t.Fatalf("size %d digest %q", info.Size, info.SHA256)
			}
			got, err := io.ReadAll(Decode(bytes.NewReader(tc.in), info.Encoding))
			if err != nil {
				t.Fatal(err)
			}
			if len(tc.in) > 0 && !strings.HasPrefix(string(got), "time,kind") {
				t.Fatalf("decoded %q", got)
			}
			if strings.Contains(string(tc.in), "广东") || tc.want == GB18030 {
				if !strings.Contains(string(got), "广东省") {
					t.Fatalf("decoded %q lacks 广东省", got)
				}
			}
		})
	}
}

func TestSniffRefuses(t *testing.T) {
	latin1 := []byte("time,kind,target\n2024-02-26 10:00:00,phishing,Soci\xe9t\xe9 G\xe9n\xe9rale caf\xe9s r\xe9seau\n")
	tests := []struct {
		name string
		in   []byte
	}{
		{"utf-16le", append([]byte{0xFF, 0xFE}, "t\x00i\x00"...)},
		{"nul bytes", []byte("time\x00kind\n")},
		{"invalid gb18030", []byte("time,kind\n\x80\x80\n")},
		{"latin-1", latin1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sniff(bytes.NewReader(tc.in))
			if !errors.Is(err, ErrNotText) {
				t.Fatalf("err = %v, want ErrNotText", err)
			}
		})
	}
}

func TestDigestIsContent(t *testing.T) {
	a, _ := Sniff(strings.NewReader("a,b\n1,2\n"))
	b, _ := Sniff(oneByte{bytes.NewReader([]byte("a,b\n1,2\n"))})
	c, _ := Sniff(strings.NewReader("a,b\n1,3\n"))
	if a.SHA256 != b.SHA256 || a.SHA256 == c.SHA256 {
		t.Fatalf("digests %s %s %s", a.SHA256, b.SHA256, c.SHA256)
	}
}

// oneByte reads one byte at a time, so every chunk border falls inside a character somewhere.
type oneByte struct{ *bytes.Reader }

func (o oneByte) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1]
	}
	return o.Reader.Read(p)
}
