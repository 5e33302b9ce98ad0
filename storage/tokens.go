package storage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// tokenPrefix starts every token, so that a leaked one is recognisable to
// secret scanners and people alike.
const tokenPrefix = "spc_"

// Token is a stored bearer token, without its secret.
type Token struct {
	ID         string        `db:"id" json:"id"`
	Role       sampling.Role `db:"role" json:"role"`
	Inspector  string        `db:"inspector_id" json:"inspector,omitempty"`
	Feed       bool          `db:"feed" json:"feed"`
	Note       string        `db:"note" json:"note,omitempty"`
	CreatedBy  string        `db:"created_by" json:"created_by,omitempty"`
	CreatedAt  time.Time     `db:"created_at" json:"created_at"`
	ExpiresAt  *time.Time    `db:"expires_at" json:"expires_at,omitempty"`
	RevokedAt  *time.Time    `db:"revoked_at" json:"revoked_at,omitempty"`
	LastUsedAt *time.Time    `db:"last_used_at" json:"last_used_at,omitempty"`
}

// Localize shows the token's times in loc.
func (t *Token) Localize(loc *time.Location) {
	t.CreatedAt = t.CreatedAt.In(loc)
	for _, p := range []**time.Time{&t.ExpiresAt, &t.RevokedAt, &t.LastUsedAt} {
		if *p != nil {
			at := (*p).In(loc)
			*p = &at
		}
	}
}

// Valid reports whether the token may be used at now.
func (t Token) Valid(now time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || now.Before(*t.ExpiresAt))
}

// NewToken describes a token to create.
type NewToken struct {
	Role      sampling.Role
	Inspector string        // required for, and only for, sampling.RoleInspector
	Feed      bool          // a read-only calendar feed token (inspectors only)
	Note      string        // what the token is for
	CreatedBy string        // who made it
	TTL       time.Duration // 0: never expires
}

// ErrBadToken reports a token that is malformed, unknown, revoked or
// expired. Callers answer all of them alike.
var ErrBadToken = errors.New("invalid token")

// CreateToken stores a new token and returns it with its secret, which is
// not stored and cannot be shown again.
func (s *Store) CreateToken(ctx context.Context, nt NewToken, now time.Time) (string, Token, error) {
	var problems []sampling.FieldError
	bad := func(field, reason string) {
		problems = append(problems, sampling.FieldError{Field: field, Reason: reason})
	}
	switch nt.Role {
	case sampling.RoleInspector:
		if nt.Inspector == "" {
			bad("inspector", "an inspector token needs the inspector's id")
		}
	case sampling.RoleAdmin, sampling.RoleViewer:
		if nt.Inspector != "" {
			bad("inspector", fmt.Sprintf("a %s token belongs to no inspector", nt.Role))
		}
		if nt.Feed {
			bad("feed", "feed tokens are for inspectors")
		}
	default:
		bad("role", fmt.Sprintf("%q: want admin, inspector or viewer", nt.Role))
	}
	if nt.TTL < 0 {
		bad("expires", "the lifetime must not be negative")
	}
	if len(problems) > 0 {
		return "", Token{}, fmt.Errorf("create token: %w", &FieldsError{Problems: problems})
	}
	if nt.Inspector != "" {
		var n int
		if err := s.db.GetContext(ctx, &n, s.db.Rebind(`SELECT count(*) FROM inspectors WHERE id = ?`), nt.Inspector); err != nil {
			return "", Token{}, fmt.Errorf("create token: %w", err)
		}
		if n == 0 {
			return "", Token{}, fmt.Errorf("create token: no inspector %q (import inspectors first): %w", nt.Inspector, ErrNotFound)
		}
	}
	id, secret := randomHex(6), strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(randomBytes(32)))
	t := Token{ID: id, Role: nt.Role, Inspector: nt.Inspector, Feed: nt.Feed, Note: nt.Note, CreatedBy: nt.CreatedBy, CreatedAt: now.UTC()}
	if nt.TTL > 0 {
		exp := now.Add(nt.TTL).UTC()
		t.ExpiresAt = &exp
	}
	var inspector any
	if t.Inspector != "" {
		inspector = t.Inspector
	}
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`
		INSERT INTO tokens (id, secret_hash, role, inspector_id, feed, note, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		t.ID, hashSecret(secret), t.Role, inspector, t.Feed, t.Note, t.CreatedBy, t.CreatedAt, t.ExpiresAt); err != nil {
		return "", Token{}, fmt.Errorf("create token: %w", err)
	}
	return tokenPrefix + id + "_" + secret, t, nil
}

const tokenColumns = `id, role, COALESCE(inspector_id, '') AS inspector_id, feed, note, created_by, created_at, expires_at, revoked_at, last_used_at`

// Tokens lists the tokens, newest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	var ts []Token
	if err := s.db.SelectContext(ctx, &ts, `SELECT `+tokenColumns+` FROM tokens ORDER BY created_at DESC, id`); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return ts, nil
}

// RevokeToken revokes the token with id, and ends its web sessions. Revoking
// a revoked token changes nothing; an unknown id is ErrNotFound.
func (s *Store) RevokeToken(ctx context.Context, id string, now time.Time) error {
	id = strings.TrimPrefix(id, tokenPrefix)
	if i := strings.IndexByte(id, '_'); i >= 0 {
		id = id[:i] // a whole token was given: revoke it all the same
	}
	return s.inTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE tokens SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), now.UTC(), id)
		if err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("token %q: %w", id, ErrNotFound)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM sessions WHERE token_id = ?`), id); err != nil {
			return fmt.Errorf("revoke token %s: %w", id, err)
		}
		return nil
	})
}

// Authenticate returns the token whose full text is given, or ErrBadToken
// when it is malformed, unknown, revoked or expired at now. The secret is
// compared in constant time.
func (s *Store) Authenticate(ctx context.Context, token string, now time.Time) (Token, error) {
	id, secret, ok := strings.Cut(strings.TrimPrefix(token, tokenPrefix), "_")
	if !strings.HasPrefix(token, tokenPrefix) || !ok || len(id) != 12 || secret == "" {
		return Token{}, ErrBadToken
	}
	if _, err := hex.DecodeString(id); err != nil {
		return Token{}, ErrBadToken // not an id: never sent to the database
	}
	var row struct {
		Token
		SecretHash string `db:"secret_hash"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT `+tokenColumns+`, secret_hash FROM tokens WHERE id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		// Compare anyway, so that unknown and wrong tokens take alike.
		subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(hashSecret("")))
		return Token{}, ErrBadToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("authenticate: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(row.SecretHash)) != 1 || !row.Valid(now) {
		return Token{}, ErrBadToken
	}
	// Note the use at most once a minute, so that reads stay reads.
	if row.LastUsedAt == nil || now.Sub(*row.LastUsedAt) > time.Minute {
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`UPDATE tokens SET last_used_at = ? WHERE id = ?`), now.UTC(), id); err != nil {
			s.logger.Warn("note token use", "token_id", id, "err", err)
		}
	}
	return row.Token, nil
}

// CreateSession starts a web session for the token with id, valid for ttl,
// and returns its secret id (for the cookie) and its CSRF token (for forms).
func (s *Store) CreateSession(ctx context.Context, tokenID string, now time.Time, ttl time.Duration) (string, string, error) {
	id, csrf := randomHex(32), randomHex(32)
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`
		INSERT INTO sessions (id_hash, token_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
		hashSecret(id), tokenID, csrf, now.UTC(), now.Add(ttl).UTC()); err != nil {
		return "", "", fmt.Errorf("create session: %w", err)
	}
	// Sweep expired sessions now and then, as sign-ins happen.
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE expires_at < ?`), now.UTC()); err != nil {
		s.logger.Warn("sweep sessions", "err", err)
	}
	return id, csrf, nil
}

// Session returns the token and CSRF token of the session with id, or
// ErrBadToken when the session or its token is unknown, expired or revoked.
func (s *Store) Session(ctx context.Context, id string, now time.Time) (Token, string, error) {
	var row struct {
		Token
		CSRF    string    `db:"csrf"`
		Expires time.Time `db:"session_expires"`
	}
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`
		SELECT t.id, t.role, COALESCE(t.inspector_id, '') AS inspector_id, t.feed, t.note, t.created_by, t.created_at,
			t.expires_at, t.revoked_at, t.last_used_at, s.csrf, s.expires_at AS session_expires
		FROM sessions s JOIN tokens t ON t.id = s.token_id WHERE s.id_hash = ?`), hashSecret(id))
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, "", ErrBadToken
	}
	if err != nil {
		return Token{}, "", fmt.Errorf("load session: %w", err)
	}
	if !now.Before(row.Expires) || !row.Valid(now) {
		return Token{}, "", ErrBadToken
	}
	return row.Token, row.CSRF, nil
}

// DeleteSession ends the session with id.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	if _, err := s.db.ExecContext(ctx, s.db.Rebind(`DELETE FROM sessions WHERE id_hash = ?`), hashSecret(id)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }
