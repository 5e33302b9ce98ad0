//go:build !unix

package storage

import "errors"

// ErrServed reports a SQLite database that another `spotcheck serve` is
// serving.
var ErrServed = errors.New("database is served by another spotcheck serve")

// ClaimServe does nothing where file locks are not available: run one serve
// per SQLite database file by hand.
func (s *Store) ClaimServe(holder string) (release func(), err error) {
	return func() {}, nil
}
