package ingest

import (
	"bufio"
	"errors"
	"io"

	"sitrep/internal/feed/cnvd"
	"sitrep/internal/feed/urllist"
	"sitrep/internal/tabular"
)

// newRowReader recognises JSON Lines by a first non-blank byte of '{', CNVD's XML by '<', a
// plain list of URLs by its first line; anything else is CSV.
func newRowReader(r io.Reader, opt Options) (tabular.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		b, err := br.Peek(1)
		if err == io.EOF {
			return nil, errors.New("empty input")
		}
		if err != nil {
			return nil, err
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			br.ReadByte()
			continue
		case '{':
			return tabular.NewJSONL(br)
		case '<':
			return cnvd.NewReader(br), nil
		}
		if head, _ := br.Peek(4096); urllist.Looks(head) {
			source := opt.Source
			if source == "" {
				source = "url-list"
			}
			return urllist.NewReader(br, opt.Observed, source), nil
		}
		return tabular.NewCSV(br)
	}
}
