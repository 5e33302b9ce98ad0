package csvimport

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// bom is the UTF-8 byte order mark; GB18030's own BOM decodes to it too.
const bom = "\uFEFF"

// decode returns the input as UTF-8 without a BOM.
func decode(file string, data []byte, encoding string) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "auto":
		if bytes.HasPrefix(data, []byte(bom)) || utf8.Valid(data) {
			return fromUTF8(file, data)
		}
		return fromGB18030(file, data, "neither UTF-8 nor GB18030 (check the file's encoding, or give --encoding)")
	case "utf-8", "utf8":
		return fromUTF8(file, data)
	case "gb18030":
		return fromGB18030(file, data, "invalid GB18030 (is the file UTF-8?)")
	}
	return nil, fmt.Errorf("%s: unknown encoding %q (want auto, utf-8 or gb18030)", file, encoding)
}

func fromUTF8(file string, data []byte) ([]byte, error) {
	data = bytes.TrimPrefix(data, []byte(bom))
	return data, badLines(file, data, func(line []byte) bool { return !utf8.Valid(line) },
		"invalid UTF-8 (is the file GB18030?)")
}

func fromGB18030(file string, data []byte, reason string) ([]byte, error) {
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s as GB18030: %w", file, err)
	}
	text = bytes.TrimPrefix(text, []byte(bom))
	// The decoder turns invalid bytes into U+FFFD; refuse them rather than
	// import a mangled name.
	return text, badLines(file, text, func(line []byte) bool { return bytes.ContainsRune(line, utf8.RuneError) }, reason)
}

// badLines reports each line of text for which bad is true.
func badLines(file string, text []byte, bad func([]byte) bool, reason string) error {
	var errs []*RowError
	n := 0
	for line := range bytes.Lines(text) {
		n++
		if bad(line) {
			errs = append(errs, &RowError{File: file, Line: n, Reason: reason})
		}
	}
	return joinErrors(errs)
}
