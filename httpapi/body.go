package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"unicode/utf8"
)

// decodeJSON reads a request body that must hold exactly one JSON object
// into v. Invalid UTF-8 (which encoding/json would silently replace with
// U+FFFD), a syntax error, an unknown field, a value of the wrong type and
// data after the object are each an error naming the byte offset or the
// field; an *http.MaxBytesError is passed through for a 413.
func decodeJSON(body io.Reader, v any) error {
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if !utf8.Valid(data) {
		at := 0
		for at < len(data) {
			r, n := utf8.DecodeRune(data[at:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			at += n
		}
		return fmt.Errorf("invalid UTF-8 at byte %d", at)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, len(data))
	}
	end := dec.InputOffset()
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("data after the JSON object at byte %d: send one object", end)
	}
	// null decodes into any value without an error, leaving it as it was.
	if bytes.HasPrefix(bytes.TrimLeft(data, " \t\r\n"), []byte("null")) {
		return errors.New("want a JSON object, got null")
	}
	return nil
}

// jsonError rewrites encoding/json's errors to name the place.
func jsonError(err error, size int) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return errors.New("empty: want a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("invalid JSON at byte %d: unexpected end", size)
	case errors.As(err, &syntax):
		return fmt.Errorf("invalid JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ) && typ.Field != "":
		return fmt.Errorf("field %s: want a JSON %s, got %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("want a JSON object, got %s", typ.Value)
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return err
	}
	// An unknown field: `json: unknown field "x"`.
	msg := err.Error()
	if len(msg) > 6 && msg[:6] == "json: " {
		msg = msg[6:]
	}
	return errors.New(msg)
}

// jsonKind names a Go kind as the JSON type that decodes into it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	}
	return "object"
}
