//go:build unix

package storage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
)

// ErrServed reports a SQLite database that another `spotcheck serve` is
// serving.
var ErrServed = errors.New("database is served by another spotcheck serve")

// ClaimServe makes this process the only server of its SQLite database: it
// takes an exclusive lock on the file PATH.lock beside the database, which
// the operating system releases when the process ends, however it ends.
// holder (such as "pid 123 on host") is written into the file and named in
// the error that a second claimant gets. Release the claim with the
// returned function. On PostgreSQL, any number of replicas may serve, and
// ClaimServe does nothing.
func (s *Store) ClaimServe(holder string) (release func(), err error) {
	if s.dialect != SQLite {
		return func() {}, nil
	}
	name := s.path + ".lock"
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("claim %s for serve: %w", s.path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		other, _ := io.ReadAll(io.LimitReader(f, 200))
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: sqlite:%s is in use by %s (lock file %s); SQLite allows one serve per database file: stop that one, or run replicas on PostgreSQL",
				ErrServed, s.path, strings.TrimSpace(string(other)), name)
		}
		return nil, fmt.Errorf("claim %s for serve: lock %s: %w", s.path, name, err)
	}
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(holder+"\n"), 0)
	}
	return func() { f.Close() }, nil
}
