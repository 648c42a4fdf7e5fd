// Package charset recognises the encodings sitrep reads — UTF-8 with or without a byte-order
// mark, and GB18030 with its subset GBK — and refuses anything else rather than store
// mojibake. Sniff reads an input once to fingerprint and classify it; Decode then streams it
// as UTF-8.
//
// A text file with a few broken lines is still text: a NUL byte or a byte sequence its
// encoding does not define costs the line that holds it, which the readers of package
// tabular and cnvd set aside as a bad row. Decode passes such bytes through as bytes that are
// not UTF-8 (never as U+FFFD, which would pass for text), so that those readers can tell.
// Only an input whose encoding cannot be told — UTF-16, binary data, a single-byte code page
// throughout — is refused whole.
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
	Lines    int // lines, the last one counted whether or not it ends in a line break
	BadLines int // lines that hold a NUL byte or a byte sequence Encoding does not define
}

// Text tells whether an input with bad of lines lines that are not text is text with some
// broken lines, whose lines are then set aside one by one, or not text at all: it is text
// while at most a quarter of its lines are broken. Binary data and UTF-16 break nearly every
// line, and a file in a single-byte code page every line with a letter outside ASCII; a text
// file with a damaged row or two is text.
func Text(bad, lines int) bool {
	return bad*4 <= lines
}

// Sniff reads r to its end and returns its digest, its encoding and how many of its lines are
// not text in that encoding. An input that is all UTF-8 is read once; any other is read a
// second time from the start to check it as GB18030, and the encoding under which fewer
// lines are broken is chosen (UTF-8 on a tie). GB18030 is not chosen for an input where
// most double-byte characters would be rare GBK extensions: that is the pattern of a Latin-1
// or Windows-125x file. Sniff fails with an error wrapping ErrNotText for an input that
// starts with a UTF-16 byte-order mark and for one whose broken lines are more than Text
// bears, naming the first offending byte.
func Sniff(r io.ReadSeeker) (Info, error) {
	info, u, err := sniffUTF8(r)
	if err != nil {
		return info, err
	}
	info.Lines = u.lines
	if u.bad == 0 {
		return info, nil
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return info, err
	}
	gb := gbStats{lines: newLineStats()}
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
	gb.finish()
	latin := gb.double > 0 && gb.rare*5 > gb.double
	chosen := u
	if !latin && gb.lines.bad < u.bad {
		chosen = gb.lines
		info.Encoding = GB18030
	}
	info.BadLines = chosen.bad
	if Text(chosen.bad, chosen.lines) {
		return info, nil
	}
	broken := fmt.Sprintf("%d of %d lines", chosen.bad, chosen.lines)
	switch {
	case chosen.nul >= 0:
		return info, fmt.Errorf("%w: NUL byte at offset %d (binary data or UTF-16); %s hold bytes that are not text", ErrNotText, chosen.nul, broken)
	case latin:
		return info, fmt.Errorf("%w: %d of %d double-byte characters would be rare GBK extensions; it looks like a Latin-1 or Windows code page file", ErrNotText, gb.rare, gb.double)
	}
	return info, fmt.Errorf("%w: byte sequence at offset %d is neither UTF-8 nor GB18030; %s hold bytes that are not text", ErrNotText, chosen.first, broken)
}

// lineStats counts the lines of an input and those that are not text, fed one byte range at
// a time.
type lineStats struct {
	lines, bad int
	first      int64 // offset of the first byte that is not text; -1 while there is none
	nul        int64 // offset of the first NUL byte; -1 while there is none
	cur        bool  // the current line has bytes
	curBad     bool  // the current line is not text
}

func newLineStats() lineStats { return lineStats{first: -1, nul: -1} }

// flag marks the current line as not text, the offending byte at offset off.
func (s *lineStats) flag(off int64, nul bool) {
	s.curBad, s.cur = true, true
	if s.first < 0 {
		s.first = off
	}
	if nul && s.nul < 0 {
		s.nul = off
	}
}

// endLine closes the current line.
func (s *lineStats) endLine() {
	s.lines++
	if s.curBad {
		s.bad++
	}
	s.cur, s.curBad = false, false
}

// finish counts a last line without a line break.
func (s *lineStats) finish() {
	if s.cur {
		s.endLine()
	}
}

// utf8Lines checks b, which starts at offset off and ends on a character boundary (or at the
// end of the input), line by line.
func (s *lineStats) utf8Lines(b []byte, off int64) {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		line := b
		if i >= 0 {
			line = b[:i]
		}
		if len(line) > 0 {
			s.cur = true
		}
		if !s.curBad {
			if j := bytes.IndexByte(line, 0); j >= 0 {
				s.flag(off+int64(j), true)
			} else if !utf8.Valid(line) {
				s.flag(off+int64(firstInvalid(line)), false)
			}
		}
		if i < 0 {
			return
		}
		s.endLine()
		b, off = b[i+1:], off+int64(i)+1
	}
}

// firstInvalid returns the offset of the first byte of b that starts no valid UTF-8 sequence.
func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// sniffUTF8 digests the input and counts its lines that are not UTF-8 text.
func sniffUTF8(r io.Reader) (Info, lineStats, error) {
	h := sha256.New()
	var (
		info    Info
		carry   []byte // the start of a character cut by the end of the last chunk
		head    []byte // the first three bytes
		buf     = make([]byte, 1<<20)
		scratch []byte
		stats   = newLineStats()
	)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			chunk := buf[:n]
			h.Write(chunk)
			start := info.Size - int64(len(carry))
			info.Size += int64(n)
			if len(head) < 3 {
				head = append(head, chunk[:min(len(chunk), 3-len(head))]...)
			}
			scratch = append(append(scratch[:0], carry...), chunk...)
			cut := completeRunes(scratch)
			stats.utf8Lines(scratch[:cut], start)
			carry = append(carry[:0], scratch[cut:]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return info, stats, err
		}
	}
	stats.utf8Lines(carry, info.Size-int64(len(carry)))
	stats.finish()
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return info, stats, fmt.Errorf("%w: starts with a UTF-16 byte-order mark; save it as UTF-8", ErrNotText)
	}
	info.SHA256 = hex.EncodeToString(h.Sum(nil))
	info.Encoding = UTF8
	if bytes.HasPrefix(head, bom) {
		info.Encoding = UTF8BOM
	}
	info.BadLines = stats.bad
	return info, stats, nil
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
// a plausibility check; decoding is left to golang.org/x/text. A NUL byte, or a sequence
// that does not fit, marks its line as not text.
type gbStats struct {
	offset       int64
	pending      []byte
	double, rare int
	lines        lineStats
}

func (g *gbStats) scan(b []byte) {
	data := append(g.pending, b...)
	i := 0
	for i < len(data) {
		c := data[i]
		if c < 0x80 {
			switch c {
			case '\n':
				g.lines.endLine()
			case 0:
				g.lines.flag(g.offset+int64(i), true)
			default:
				g.lines.cur = true
			}
			i++
			continue
		}
		g.lines.cur = true
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
				g.lines.flag(g.offset+int64(i), false)
				i++
				continue
			}
			i += 4
		case c >= 0x81 && c <= 0xFE && (c2 >= 0x40 && c2 <= 0x7E || c2 >= 0x80 && c2 <= 0xFE):
			g.double++
			if c < 0xA1 || c2 < 0xA1 { // outside GB2312's rows: rare in real Chinese text
				g.rare++
			}
			i += 2
		default:
			g.lines.flag(g.offset+int64(i), false)
			i++
		}
	}
done:
	g.offset += int64(i)
	g.pending = append(g.pending[:0:0], data[i:]...)
}

// finish ends the walk: a sequence cut off by the end of the input is not text.
func (g *gbStats) finish() {
	if len(g.pending) > 0 {
		g.lines.flag(g.offset, false)
	}
	g.lines.finish()
}

// Decode returns a reader of r's text as UTF-8 without a byte-order mark. Bytes that are not
// text in enc come through unchanged, so they stay bytes that are not UTF-8: a NUL byte as
// it is, an invalid UTF-8 sequence as it is, and a byte sequence GB18030 does not define as
// its bytes rather than U+FFFD.
func Decode(r io.Reader, enc Encoding) io.Reader {
	switch enc {
	case GB18030:
		return transform.NewReader(r, gbDecoder{simplifiedchinese.GB18030.NewDecoder()})
	case UTF8BOM:
		return &skipBOM{r: r}
	}
	return r
}

// skipBOM reads r without its leading UTF-8 byte-order mark, and without changing any other
// byte (unlike golang.org/x/text's UTF-8 decoder, which turns invalid bytes into U+FFFD).
type skipBOM struct {
	r       io.Reader
	started bool
	head    []byte
}

func (s *skipBOM) Read(p []byte) (int, error) {
	if !s.started {
		s.started = true
		var b [3]byte
		n, err := io.ReadFull(s.r, b[:])
		if n < 3 || !bytes.Equal(b[:], bom) {
			s.head = append(s.head, b[:n]...)
		}
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return 0, err
		}
	}
	if len(s.head) > 0 {
		n := copy(p, s.head)
		s.head = s.head[n:]
		return n, nil
	}
	return s.r.Read(p)
}

// fffd is U+FFFD in UTF-8, and fffdGB the same character in GB18030.
var (
	fffd   = []byte("\uFFFD")
	fffdGB = []byte{0x84, 0x31, 0xA4, 0x37}
)

// gbDecoder decodes GB18030 with golang.org/x/text, one run of well-formed sequences at a
// time, and copies each sequence GB18030 does not define to the output as its own bytes.
// Those bytes are at least 0x80 and stand where no UTF-8 continuation byte can follow, so
// they are never valid UTF-8: the readers set the row that holds them aside.
type gbDecoder struct{ inner transform.Transformer }

func (gbDecoder) Reset() {}

func (d gbDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// The run of sequences that are well formed, and what ends it.
		end, n, ok := nSrc, 0, true
		for end < len(src) {
			if n, ok = gbSeq(src[end:], atEOF); !ok {
				break
			}
			end += n
		}
		if end > nSrc {
			from := nDst
			nd, ns, err := d.inner.Transform(dst[nDst:], src[nSrc:end], true)
			if bytes.Contains(dst[from:from+nd], fffd) {
				// The run holds a code GB18030 leaves undefined: go through it one by one.
				nd, ns, err = d.oneByOne(dst[from:], src[nSrc:nSrc+ns])
			}
			nDst, nSrc = nDst+nd, nSrc+ns
			if err != nil {
				return nDst, nSrc, err
			}
			continue
		}
		if n == 0 { // the input ends inside a sequence
			return nDst, nSrc, transform.ErrShortSrc
		}
		if len(dst)-nDst < n {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+n])
		nSrc += n
	}
	return nDst, nSrc, nil
}

// oneByOne decodes well-formed sequences one at a time, copying those that decode to U+FFFD
// (codes GB18030 does not assign) as their own bytes.
func (d gbDecoder) oneByOne(dst, src []byte) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		n, _ := gbSeq(src[nSrc:], true)
		seq := src[nSrc : nSrc+n]
		nd, _, err := d.inner.Transform(dst[nDst:], seq, true)
		if err != nil {
			return nDst, nSrc, err
		}
		if bytes.Equal(dst[nDst:nDst+nd], fffd) && !bytes.Equal(seq, fffdGB) {
			if len(dst)-nDst < n {
				return nDst, nSrc, transform.ErrShortDst
			}
			nd = copy(dst[nDst:], seq)
		}
		nDst += nd
		nSrc += n
	}
	return nDst, nSrc, nil
}

// gbSeq returns the length of the GB18030 sequence at the start of b, which is not empty, and
// whether it is well formed: ASCII; a lead byte 0x81-0xFE and a trail byte 0x40-0x7E or
// 0x80-0xFE; or a four-byte sequence that maps to a code point. A sequence that is not well
// formed has the length golang.org/x/text gives it. n is 0, and ok false, when b ends inside
// a sequence that more input could complete.
func gbSeq(b []byte, atEOF bool) (n int, ok bool) {
	c0 := b[0]
	switch {
	case c0 < 0x80:
		return 1, true
	case c0 == 0x80 || c0 == 0xFF: // 0x80 is the euro sign of code page 936, not GB18030
		return 1, false
	case len(b) < 2:
		if atEOF {
			return 1, false
		}
		return 0, false
	}
	switch c1 := b[1]; {
	case 0x40 <= c1 && c1 <= 0x7E || 0x80 <= c1 && c1 <= 0xFE:
		return 2, true
	case 0x30 <= c1 && c1 <= 0x39:
		if len(b) < 4 {
			if atEOF || len(b) == 3 && (b[2] < 0x81 || b[2] > 0xFE) {
				return 1, false
			}
			return 0, false
		}
		c2, c3 := b[2], b[3]
		if c2 < 0x81 || c2 > 0xFE || c3 < 0x30 || c3 > 0x39 {
			return 1, false
		}
		r := ((int(c0-0x81)*10+int(c1-0x30))*126+int(c2-0x81))*10 + int(c3-0x30)
		if r < 39420 || 189000 <= r && r < 189000+0x100000 {
			return 4, true
		}
	}
	return 1, false
}
