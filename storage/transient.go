package storage

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/lib/pq"
)

// IsConnectionError reports whether err is a lost or refused connection to
// the database, such as while it restarts or fails over, rather than a
// problem with what was asked: worth retrying a little later.
func IsConnectionError(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		// Class 08 is connection exception; 57P01 to 57P03 are the server
		// shutting down or starting up.
		code := string(pqErr.Code)
		return len(code) == 5 && (code[:2] == "08" || code == "57P01" || code == "57P02" || code == "57P03")
	}
	var netErr net.Error
	return errors.Is(err, driver.ErrBadConn) || errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}
