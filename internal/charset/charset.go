// Package charset recognises the encodings sitrep reads — UTF-8 with or without a byte-order
// mark, and GB18030 with its subset GBK — and refuses anything else rather than store
// mojibake. Sniff reads an input once to fingerprint and classify it; Decode then streams it
// as UTF-8.
package charset

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Encoding names an accepted input encoding.
type Encoding string

// The encodings sitrep reads.
const (
	UTF8    Encoding = "UTF-8"
	UTF8BOM Encoding = "UTF-8 with BOM"
	GB18030 Encoding = "GB18030/GBK"
)

// ErrNotText is returned for inputs that hold binary data or an unsupported encoding.
var ErrNotText = errors.New("not text in UTF-8, GBK or GB18030")

var bom = []byte{0xEF, 0xBB, 0xBF}

// Info describes an input after one full read.
type Info struct {
	SHA256   string // hex digest of the raw bytes: the input's identity
	Size     int64
	Encoding Encoding
}

// Sniff reads r to its end and returns its digest and encoding. It fails with an error
// wrapping ErrNotText when the bytes are not UTF-8 and not plausible GB18030: NUL bytes,
// UTF-16, byte sequences GB18030 does not define, or the pattern of a Latin-1 or
// Windows-125x file that happens to decode as rare GBK characters. An input that is not
// UTF-8 is read a second time from the start to check it as GB18030.
func Sniff(r io.ReadSeeker) (Info, error) {
	info, isUTF8, err := sniffUTF8(r)
	if err != nil || isUTF8 {
		return info, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return info, err
	}
	var gb gbStats
	buf := make([]byte, 1<<20)
	for {
		n, err := r.Read(buf)
		gb.scan(buf[:n])
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, err
		}
	}
	gb.scan(nil)
	switch {
	case gb.invalid > 0 || len(gb.pending) > 0:
		off := gb.firstInvalid
		if gb.invalid == 0 {
			off = gb.offset
		}
		return info, fmt.Errorf("%w: byte sequence at offset %d is neither UTF-8 nor GB18030", ErrNotText, off)
	case gb.double > 0 && gb.rare*5 > gb.double:
		return info, fmt.Errorf("%w: %d of %d double-byte characters would be rare GBK extensions; it looks like a Latin-1 or Windows code page file", ErrNotText, gb.rare, gb.double)
	}
	info.Encoding = GB18030
	return info, nil
}

// sniffUTF8 digests the input and checks it is text and whether it is UTF-8.
func sniffUTF8(r io.Reader) (Info, bool, error) {
	h := sha256.New()
	var (
		info    Info
		carry   []byte
		head    []byte // the first three bytes
		isUTF8  = true
		buf     = make([]byte, 1<<20)
		scratch []byte
	)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			h.Write(chunk)
			info.Size += int64(n)
			if len(head) < 3 {
				head = append(head, chunk[:min(len(chunk), 3-len(head))]...)
			}
			if i := bytes.IndexByte(chunk, 0); i >= 0 {
				return info, false, fmt.Errorf("%w: NUL byte at offset %d (binary data or UTF-16)", ErrNotText, info.Size-int64(n)+int64(i))
			}
			if isUTF8 {
				scratch = append(append(scratch[:0], carry...), chunk...)
				cut := completeRunes(scratch)
				isUTF8 = utf8.Valid(scratch[:cut])
				carry = append(carry[:0], scratch[cut:]...)
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, false, err
		}
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return info, false, fmt.Errorf("%w: starts with a UTF-16 byte-order mark; save it as UTF-8", ErrNotText)
	}
	isUTF8 = isUTF8 && utf8.Valid(carry)
	info.SHA256 = hex.EncodeToString(h.Sum(nil))
	info.Encoding = UTF8
	if bytes.HasPrefix(head, bom) {
		info.Encoding = UTF8BOM
	}
	return info, isUTF8, nil
}

// Guess reads up to 64 KiB from the start of r and says which encoding they suggest, and
// whether that is as good as certain: a prefix of valid UTF-8 (or one with a byte-order mark)
// very likely starts a UTF-8 file, anything else needs the whole input looked at (Sniff).
func Guess(r io.Reader) (enc Encoding, sure bool) {
	buf := make([]byte, 64<<10)
	n, _ := io.ReadFull(r, buf)
	buf = buf[:n]
	if bytes.IndexByte(buf, 0) >= 0 || bytes.HasPrefix(buf, []byte{0xFF, 0xFE}) || bytes.HasPrefix(buf, []byte{0xFE, 0xFF}) {
		return UTF8, false
	}
	if !utf8.Valid(buf[:completeRunes(buf)]) {
		return GB18030, false
	}
	if bytes.HasPrefix(buf, bom) {
		return UTF8BOM, true
	}
	return UTF8, true
}

// completeRunes returns the length of the longest prefix of b that does not end inside a
// UTF-8 sequence (at most three bytes are held back), so chunks are checked across borders.
func completeRunes(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-3; i-- {
		if b[i] < 0x80 {
			return len(b)
		}
		if b[i] >= 0xC0 { // a lead byte
			if utf8.FullRune(b[i:]) {
				return len(b)
			}
			return i
		}
	}
	return len(b)
}

// gbStats walks bytes by GB18030's structure: ASCII; a lead byte 0x81-0xFE and a trail byte
// 0x40-0x7E or 0x80-0xFE; or a four-byte form whose second byte is a digit. The walk is only
// a plausibility check; decoding is left to golang.org/x/text.
type gbStats struct {
	offset       int64
	pending      []byte
	double, rare int
	invalid      int
	firstInvalid int64
}

func (g *gbStats) scan(b []byte) {
	data := append(g.pending, b...)
	i := 0
	for i < len(data) {
		c := data[i]
		if c < 0x80 {
			i++
			continue
		}
		if i+1 >= len(data) {
			break
		}
		c2 := data[i+1]
		switch {
		case c >= 0x81 && c <= 0xFE && c2 >= 0x30 && c2 <= 0x39:
			if i+3 >= len(data) {
				goto done
			}
			if data[i+2] < 0x81 || data[i+2] > 0xFE || data[i+3] < 0x30 || data[i+3] > 0x39 {
				g.bad(i)
			}
			i += 4
		case c >= 0x81 && c <= 0xFE && (c2 >= 0x40 && c2 <= 0x7E || c2 >= 0x80 && c2 <= 0xFE):
			g.double++
			if c < 0xA1 || c2 < 0xA1 { // outside GB2312's rows: rare in real Chinese text
				g.rare++
			}
			i += 2
		default:
			g.bad(i)
			i++
		}
	}
done:
	g.offset += int64(i)
	g.pending = append(g.pending[:0:0], data[i:]...)
}

func (g *gbStats) bad(i int) {
	if g.invalid == 0 {
		g.firstInvalid = g.offset + int64(i)
	}
	g.invalid++
}

// Decode returns a reader of r's text as UTF-8 without a byte-order mark.
func Decode(r io.Reader, enc Encoding) io.Reader {
	switch enc {
	case GB18030:
		return transform.NewReader(r, simplifiedchinese.GB18030.NewDecoder())
	case UTF8BOM:
		return transform.NewReader(r, unicode.UTF8BOM.NewDecoder())
	}
	return r
}
