package storage

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// storeSRSInputs keeps what plan id was drawn from by DrawSRS, for its
// disclosure.
// Frames and inspector lists are stored once by content.
func storeSRSInputs(ctx context.Context, tx *sqlx.Tx, id int64, in sampling.SRSInputs) error {
	spec, err := json.Marshal(in.Spec)
	if err != nil {
		return fmt.Errorf("store draw of plan %d: %w", id, err)
	}
	var digests [2]string
	for i, v := range []any{in.Frame, in.Inspectors} {
		if digests[i], err = storeBlob(ctx, tx, v); err != nil {
			return fmt.Errorf("store draw of plan %d: %w", id, err)
		}
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO plan_draws (plan_id, spec, frame, inspectors) VALUES (?, ?, ?, ?)`),
		id, string(spec), digests[0], digests[1]); err != nil {
		return fmt.Errorf("store draw of plan %d: %w", id, err)
	}
	return nil
}

// storeBlob stores v as gzipped JSON under the SHA-256 of those bytes and
// returns the digest.
func storeBlob(ctx context.Context, tx *sqlx.Tx, v any) (string, error) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return "", err
	}
	if err := zw.Close(); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	digest := hex.EncodeToString(sum[:])
	_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO draw_blobs (digest, data) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING`), digest, buf.Bytes())
	return digest, err
}

func (s *Store) loadBlob(ctx context.Context, digest string, v any) error {
	var data []byte
	if err := s.db.GetContext(ctx, &data, s.db.Rebind(`SELECT data FROM draw_blobs WHERE digest = ?`), digest); err != nil {
		return err
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return err
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// SRSInputs returns what plan id was drawn from by DrawSRS, the first
// generation of the draw, or ErrNotFound for a plan made without them (by
// an older version, or by DrawPlan, whose record is kept instead).
func (s *Store) SRSInputs(ctx context.Context, id int64) (sampling.SRSInputs, error) {
	var row struct {
		Spec       string `db:"spec"`
		Frame      string `db:"frame"`
		Inspectors string `db:"inspectors"`
	}
	var in sampling.SRSInputs
	err := s.db.GetContext(ctx, &row, s.db.Rebind(`SELECT spec, frame, inspectors FROM plan_draws WHERE plan_id = ?`), id)
	if errors.Is(err, sql.ErrNoRows) {
		return in, fmt.Errorf("draw inputs of plan %d: %w", id, ErrNotFound)
	}
	if err == nil {
		err = json.Unmarshal([]byte(row.Spec), &in.Spec)
	}
	if err == nil {
		err = s.loadBlob(ctx, row.Frame, &in.Frame)
	}
	if err == nil {
		err = s.loadBlob(ctx, row.Inspectors, &in.Inspectors)
	}
	if err != nil {
		return in, fmt.Errorf("load draw inputs of plan %d: %w", id, err)
	}
	return in, nil
}

// SigningKey returns the key that signs disclosures, made on first use.
// Replicas that race to make it all end up with the one that was stored.
func (s *Store) SigningKey(ctx context.Context, now time.Time) (ed25519.PrivateKey, error) {
	var priv string
	err := s.db.GetContext(ctx, &priv, `SELECT private_key FROM signing_keys WHERE id = 1`)
	if errors.Is(err, sql.ErrNoRows) {
		pub, key, gerr := ed25519.GenerateKey(nil)
		if gerr != nil {
			return nil, fmt.Errorf("make signing key: %w", gerr)
		}
		if _, err := s.db.ExecContext(ctx, s.db.Rebind(`INSERT INTO signing_keys (id, public_key, private_key, created_at)
			VALUES (1, ?, ?, ?) ON CONFLICT (id) DO NOTHING`), hex.EncodeToString(pub), hex.EncodeToString(key.Seed()), now.UTC()); err != nil {
			return nil, fmt.Errorf("store signing key: %w", err)
		}
		err = s.db.GetContext(ctx, &priv, `SELECT private_key FROM signing_keys WHERE id = 1`)
	}
	if err != nil {
		return nil, fmt.Errorf("load signing key: %w", err)
	}
	seed, err := hex.DecodeString(priv)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("load signing key: stored key is malformed")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}
