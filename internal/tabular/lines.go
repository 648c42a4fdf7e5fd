package tabular

import (
	"bufio"
	"bytes"
	"io"
)

// rawKeep is how much of an over-long line is kept to show in its rejection.
const rawKeep = 256

// physLine is one physical line of an input.
type physLine struct {
	text []byte // without the line break; for a long line, only its first rawKeep bytes
	size int64  // the line's length without its line break
	long bool   // over MaxRecord: the rest of the line was read past, not held
}

// readLine reads the next physical line of br. A line longer than MaxRecord is not held: it
// comes back marked long, with its size and first bytes, and the rest of it is read past so
// that the next line starts where it should. see, when not nil, is shown every piece of the
// line as it goes by, line break included. ok is false at the end of the input.
func readLine(br *bufio.Reader, see func([]byte)) (l physLine, ok bool, err error) {
	var (
		read int64
		last [2]byte // the last two bytes read, to take the line break off the size
	)
	for {
		frag, ferr := br.ReadSlice('\n')
		if see != nil {
			see(frag)
		}
		read += int64(len(frag))
		switch {
		case l.long:
		case len(l.text)+len(frag) <= MaxRecord+2: // the line break may take two bytes
			l.text = append(l.text, frag...)
		default:
			l.long = true
			keep := min(len(l.text), rawKeep)
			l.text = append(l.text[:keep:keep], frag[:min(len(frag), rawKeep-keep)]...)
		}
		switch n := len(frag); {
		case n >= 2:
			last = [2]byte{frag[n-2], frag[n-1]}
		case n == 1:
			last = [2]byte{last[1], frag[0]}
		}
		if ferr == bufio.ErrBufferFull {
			continue
		}
		if ferr == io.EOF {
			if read == 0 {
				return physLine{}, false, nil
			}
			break
		}
		if ferr != nil {
			return physLine{}, false, ferr
		}
		break
	}
	l.size = read
	if last[1] == '\n' {
		l.size--
		if read >= 2 && last[0] == '\r' {
			l.size--
		}
	} else if last[1] == '\r' {
		l.size--
	}
	switch {
	case l.long:
	case l.size > MaxRecord:
		l.long = true
		l.text = append([]byte(nil), l.text[:rawKeep]...)
	default:
		l.text = bytes.TrimSuffix(l.text, []byte{'\n'})
		l.text = bytes.TrimSuffix(l.text, []byte{'\r'})
	}
	return l, true, nil
}
