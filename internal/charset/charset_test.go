package charset

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

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
	for i := 0; i < 3; i++ {
		latin1 = append(latin1, "2024-02-26 10:00:00,phishing,Cr\xe9dit Mutuel caf\xe9\n"...)
	}
	random := make([]byte, 64<<10)
	seed := uint32(1)
	for i := range random {
		seed = seed*1664525 + 1013904223
		random[i] = byte(seed >> 24)
	}
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00>\x00\x01\x00\x00\x00"), bytes.Repeat([]byte{0, 0, 0, 0, 0x40, 0, 0, 0, '\n'}, 200)...)
	utf16 := []byte{}
	for _, c := range "time,kind\n2024-02-26,phishing\n2024-02-27,ddos\n" {
		utf16 = append(utf16, byte(c), 0)
	}
	tests := []struct {
		name, in, want string
	}{
		{"utf-16le with a byte-order mark", "\xFF\xFEt\x00i\x00\n\x00", "byte-order mark"},
		{"utf-16le without one", string(utf16), "NUL byte at offset 1"},
		{"a single line with a NUL byte", "time\x00kind\n", "NUL byte at offset 4"},
		{"every row not gb18030", "time,kind\n\x80\x80\n\xff\n", "byte sequence at offset 10"},
		{"one of two lines broken", "time,kind\n\x80\x80\n", "byte sequence at offset 10 is neither UTF-8 nor GB18030; 1 of 2 lines"},
		{"one of three lines broken", "time,kind\n1,2\n3,\x00\n", "NUL byte at offset 16"},
		{"latin-1 throughout", string(latin1), "Latin-1"},
		{"random bytes", string(random), "of 2"},
		{"an executable", string(elf), "NUL byte at offset 7"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Sniff(bytes.NewReader([]byte(tc.in)))
			if !errors.Is(err, ErrNotText) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want ErrNotText saying %q", err, tc.want)
			}
		})
	}
}

// TestSniffBearsBrokenLines: a text file with a few lines that are not text is still text, in
// the encoding that breaks the fewest lines; the readers set those lines aside.
func TestSniffBearsBrokenLines(t *testing.T) {
	const rows = "time,kind,note\n2024-02-26,phishing,广东省\n%s\n2024-02-27,ddos,浙江省\n2024-02-28,ddos,\n"
	utf8Row := func(bad string) []byte { return []byte(strings.Replace(rows, "%s", "2024-02-26,phishing,"+bad, 1)) }
	gbkRow := func(bad string) []byte {
		b := gbk(t, strings.Replace(rows, "%s", "@@", 1))
		return bytes.Replace(b, []byte("@@"), []byte("2024-02-26,phishing,"+bad), 1)
	}
	tests := []struct {
		name     string
		in       []byte
		want     Encoding
		lines    int
		badLines int
	}{
		{"utf-8 with a NUL byte in row 2", utf8Row("a\x00b"), UTF8, 5, 1},
		{"utf-8 with an invalid byte in row 2", utf8Row("a\xffb"), UTF8, 5, 1},
		{"utf-8 with a character cut short", utf8Row("\xe4\xb8"), UTF8, 5, 1},
		{"utf-8 with a bom and a NUL byte", append([]byte{0xEF, 0xBB, 0xBF}, utf8Row("\x00")...), UTF8BOM, 5, 1},
		{"gbk with a NUL byte", gbkRow("\x00"), GB18030, 5, 1},
		{"gbk with a byte gb18030 does not define", gbkRow("\xff"), GB18030, 5, 1},
		{"gbk cut inside a character", append(gbkRow("x"), 0xD6), GB18030, 6, 1},
		{"ascii with one latin-1 row", []byte("time,kind\n1,caf\xe9\n2,tea\n3,milk\n"), UTF8, 4, 1},
		{"two broken rows in eight lines", []byte("a\nb\x00\nc\nd\ne\xff\nf\ng\nh"), UTF8, 8, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			info, err := Sniff(oneByte{bytes.NewReader(tc.in)})
			if err != nil {
				t.Fatal(err)
			}
			if info.Encoding != tc.want || info.Lines != tc.lines || info.BadLines != tc.badLines {
				t.Fatalf("%s, %d lines, %d not text; want %s, %d, %d", info.Encoding, info.Lines, info.BadLines, tc.want, tc.lines, tc.badLines)
			}
		})
	}
}

// TestDecodeKeepsWhatIsNotText: bytes that are not text come out of Decode as bytes that are
// not UTF-8, never as U+FFFD, so that the row holding them can be set aside; the rest
// decodes as it should, wherever the reads cut the input.
func TestDecodeKeepsWhatIsNotText(t *testing.T) {
	gb := func(s string) string { return string(gbk(t, s)) }
	tests := []struct {
		name string
		in   string
		enc  Encoding
		want string
	}{
		{"gbk with an invalid lead byte", gb("广东") + "\xff" + gb("省"), GB18030, "广东\xff省"},
		{"gbk with 0x80", gb("省") + "\x80,1", GB18030, "省\x80,1"},
		{"gbk with a lead byte before ascii", gb("省") + "\xd6,1", GB18030, "省\xd6,1"},
		{"gbk with a NUL byte", gb("省") + "\x00" + gb("省"), GB18030, "省\x00省"},
		{"gbk with an unassigned code", gb("省") + "\xa1\x40" + gb("省"), GB18030, "省\xa1\x40省"},
		{"gb18030 spelling U+FFFD", gb("省") + "\x84\x31\xa4\x37", GB18030, "省\uFFFD"},
		{"gb18030 four-byte sequence out of range", "\xfe\x39\xfe\x39,1", GB18030, "\xfe9\xfe9,1"},
		{"gbk cut at the end", gb("省") + "\xd6", GB18030, "省\xd6"},
		{"utf-8 with a bom keeps invalid bytes", "\xEF\xBB\xBFa,\xff\n", UTF8BOM, "a,\xff\n"},
		{"utf-8 with a bom, only the bom", "\xEF\xBB\xBF", UTF8BOM, ""},
		{"utf-8 with a bom, shorter than one", "\xEF\xBB", UTF8BOM, "\xEF\xBB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tc.in), oneByte{bytes.NewReader([]byte(tc.in))}} {
				got, err := io.ReadAll(Decode(r, tc.enc))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != tc.want {
					t.Fatalf("decoded %q, want %q", got, tc.want)
				}
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

// FuzzSniffDecode: Sniff never fails on text it could read, and what Decode makes of an input
// Sniff accepts agrees with it. For UTF-8 the lines of the decoded text that are not text are
// exactly those Sniff counted; for GB18030 they are at least those (Sniff checks the
// structure of GB18030, Decode also which codes are assigned). Decoding gives the same text
// whatever sizes the reads come in.
func FuzzSniffDecode(f *testing.F) {
	inputs, _ := filepath.Glob(filepath.Join("..", "feed", "testdata", "*", "input*"))
	for _, p := range inputs {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{"time,kind\n1,caf\xe9\n2,tea\n", "a\nb\x00\nc\n", "\xEF\xBB\xBFa,\xff\n1,2\n", "\xd6\xd0\xce\xc4\n\xff\n\xa1\x40\n\x84\x31\xa4\x37\n\xfe\x39\xfe\x39\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		info, err := Sniff(bytes.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrNotText) {
				t.Fatalf("Sniff: %v", err)
			}
			return
		}
		whole, err := io.ReadAll(Decode(bytes.NewReader(in), info.Encoding))
		if err != nil {
			t.Fatal(err)
		}
		bytewise, err := io.ReadAll(Decode(oneByte{bytes.NewReader(in)}, info.Encoding))
		if err != nil || !bytes.Equal(whole, bytewise) {
			t.Fatalf("decoded %q at once, %q a byte at a time (%v)", whole, bytewise, err)
		}
		bad := 0
		for _, line := range bytes.SplitAfter(whole, []byte{'\n'}) {
			if !utf8.Valid(line) || bytes.IndexByte(line, 0) >= 0 {
				bad++
			}
		}
		if info.Encoding == GB18030 && bad < info.BadLines || info.Encoding != GB18030 && bad != info.BadLines {
			t.Fatalf("%s: Sniff counts %d lines that are not text, the decoded text has %d: %q", info.Encoding, info.BadLines, bad, whole)
		}
	})
}
