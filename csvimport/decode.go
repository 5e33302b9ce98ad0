package csvimport

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// bom is the UTF-8 byte order mark; GB18030's own BOM decodes to it too.
const bom = "\uFEFF"

// detectWindow is how much of the file, from its first byte that is not
// ASCII, decides between UTF-8 and GB18030 when the encoding is "auto".
const detectWindow = 64 << 10

// Reasons given for a line that is not text in the file's encoding.
const (
	badUTF8    = "invalid UTF-8 (is the file GB18030?)"
	badGB18030 = "invalid GB18030 (is the file UTF-8?)"
	badEither  = "neither UTF-8 nor GB18030 (check the file's encoding, or give --encoding)"
)

// textCheck is how the decoded lines of a file are checked: set once the
// encoding is known. Until then only ASCII has been read, which is valid
// in both encodings.
type textCheck struct {
	bad    func(line []byte) bool
	reason string
}

func utf8Check(reason string) textCheck {
	return textCheck{bad: func(line []byte) bool { return !utf8.Valid(line) }, reason: reason}
}

// gb18030Check refuses the lines where the decoder put U+FFFD for bytes
// it could not decode, rather than import a mangled name.
func gb18030Check(reason string) textCheck {
	return textCheck{bad: func(line []byte) bool { return bytes.ContainsRune(line, utf8.RuneError) }, reason: reason}
}

// decoder returns the input as UTF-8 text, read as it is consumed, and the
// check of its lines. With encoding "" or "auto" a file that starts with a
// UTF-8 BOM is UTF-8; otherwise the first detectWindow bytes from the first
// byte that is not ASCII decide: UTF-8 when they are valid UTF-8, else
// GB18030.
func decoder(file string, r io.Reader, encoding string) (io.Reader, *textCheck, error) {
	raw := bufio.NewReaderSize(r, detectWindow)
	check := &textCheck{}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "auto":
		if head, _ := raw.Peek(len(bom)); string(head) == bom {
			*check = utf8Check(badUTF8)
			return raw, check, nil
		}
		return &autoDecoder{raw: raw, check: check}, check, nil
	case "utf-8", "utf8":
		*check = utf8Check(badUTF8)
		return raw, check, nil
	case "gb18030":
		*check = gb18030Check(badGB18030)
		return transform.NewReader(raw, simplifiedchinese.GB18030.NewDecoder()), check, nil
	}
	return nil, nil, fmt.Errorf("%s: unknown encoding %q (want auto, utf-8 or gb18030)", file, encoding)
}

// autoDecoder passes ASCII through until the first byte that is not, then
// decides the encoding from the bytes that follow.
type autoDecoder struct {
	raw   *bufio.Reader
	check *textCheck
	out   io.Reader // the decided stream; nil until then
}

func (d *autoDecoder) Read(p []byte) (int, error) {
	if d.out != nil {
		return d.out.Read(p)
	}
	buf, err := d.raw.Peek(detectWindow)
	if err != nil && err != io.EOF {
		return 0, err
	}
	i := bytes.IndexFunc(buf, func(r rune) bool { return r >= utf8.RuneSelf })
	if i < 0 {
		i = len(buf)
	}
	if i > 0 { // ASCII, the same in both encodings
		n := copy(p, buf[:i])
		d.raw.Discard(n)
		return n, nil
	}
	if len(buf) == 0 {
		return 0, io.EOF
	}
	window := buf
	if err == nil { // more follows: a rune cut at the window's end is not an error
		window = trimPartialRune(window)
	}
	if utf8.Valid(window) {
		*d.check, d.out = utf8Check(badUTF8), d.raw
	} else {
		*d.check, d.out = gb18030Check(badEither), transform.NewReader(d.raw, simplifiedchinese.GB18030.NewDecoder())
	}
	return d.out.Read(p)
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for k := 1; k <= utf8.UTFMax && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			break
		}
	}
	return b
}

// lineReader hands decoded text to encoding/csv one physical line per Read,
// so that csv never reads ahead of the line it parses: the line a syntax
// error names is still at hand, and memory is a line or two whatever the
// file's size. It checks each line's text as it completes.
type lineReader struct {
	file      string
	br        *bufio.Reader
	check     *textCheck
	n         int    // lines begun
	cur, prev []byte // the line being read (or last read) and the one before
	complete  bool   // cur ended
	pending   []byte // the part of cur not yet handed out
	err       error  // the error after pending
	bad       []*RowError
}

func newLineReader(file string, text io.Reader, check *textCheck) *lineReader {
	br := bufio.NewReaderSize(text, 64<<10)
	if head, _ := br.Peek(len(bom)); string(head) == bom {
		br.Discard(len(bom))
	}
	return &lineReader{file: file, br: br, check: check, complete: true}
}

func (lr *lineReader) Read(p []byte) (int, error) {
	for len(lr.pending) == 0 {
		if lr.err != nil {
			return 0, lr.err
		}
		seg, err := lr.br.ReadSlice('\n')
		if len(seg) > 0 {
			if lr.complete {
				lr.prev, lr.cur = lr.cur, lr.prev[:0]
				lr.n++
				lr.complete = false
			}
			lr.cur = append(lr.cur, seg...)
			lr.pending = lr.cur[len(lr.cur)-len(seg):]
			if seg[len(seg)-1] == '\n' {
				lr.finish()
			}
		}
		switch {
		case err == bufio.ErrBufferFull: // the line goes on
		case err == io.EOF:
			if !lr.complete {
				lr.finish()
			}
			lr.err = io.EOF
		case err != nil:
			lr.err = &RowError{File: lr.file, Line: max(lr.n, 1), Reason: "read: " + err.Error()}
		}
	}
	n := copy(p, lr.pending)
	lr.pending = lr.pending[n:]
	return n, nil
}

// readLine reads the next physical line whole, instead of Read: the line
// with its line break, if it has one, and io.EOF when it is the last, or
// when there are no more lines (then the line is nil). It returns any other
// error, of reading or decoding, with the part of the line read before it.
// unread hands what it returned over to Read.
func (lr *lineReader) readLine() ([]byte, error) {
	if len(lr.pending) > 0 || lr.err != nil || !lr.complete {
		return nil, lr.err // Read is in the middle of a line, or done
	}
	seg, err := lr.br.ReadSlice('\n')
	if len(seg) == 0 && err != nil && err != bufio.ErrBufferFull {
		if err != io.EOF {
			err = &RowError{File: lr.file, Line: max(lr.n, 1), Reason: "read: " + err.Error()}
		}
		lr.err = err
		return nil, err
	}
	lr.prev, lr.cur = lr.cur, lr.prev[:0]
	lr.n++
	lr.complete = false
	for {
		lr.cur = append(lr.cur, seg...)
		switch {
		case err == nil:
			lr.finish()
			return lr.cur, nil
		case err == bufio.ErrBufferFull: // the line goes on
		case err == io.EOF:
			lr.finish()
			lr.err = io.EOF
			return lr.cur, io.EOF
		default:
			lr.err = &RowError{File: lr.file, Line: lr.n, Reason: "read: " + err.Error()}
			return lr.cur, lr.err
		}
		seg, err = lr.br.ReadSlice('\n')
	}
}

// unread hands line, returned by readLine, and the error after it over to
// Read.
func (lr *lineReader) unread(line []byte) {
	lr.pending = line
}

// finish checks the line just completed.
func (lr *lineReader) finish() {
	lr.complete = true
	if lr.check.bad != nil && lr.check.bad(lr.cur) {
		lr.bad = append(lr.bad, &RowError{File: lr.file, Line: lr.n, Reason: lr.check.reason})
	}
}

// line returns the text of line n if it is one of the last two read.
func (lr *lineReader) line(n int) ([]byte, bool) {
	switch n {
	case lr.n:
		return lr.cur, true
	case lr.n - 1:
		return lr.prev, true
	}
	return nil, false
}
