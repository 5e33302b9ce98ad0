package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// genesis is the prev_hash of the first audit entry.
var genesis = strings.Repeat("0", 64)

// auditLockKey names the PostgreSQL advisory lock that serializes appends
// to the audit chain; SQLite's write lock does the same there.
const auditLockKey = 0x5350_4f54_4155_4454 // "SPOTAUDT"

// AuditEntry is one row of the audit log: who changed what, when, and the
// state before and after, chained to the previous entry by Hash.
type AuditEntry struct {
	Seq      int64  `db:"seq" json:"seq"`
	At       string `db:"at" json:"at"` // RFC 3339 UTC, as hashed
	Actor    string `db:"actor" json:"actor"`
	Action   string `db:"action" json:"action"`
	Entity   string `db:"entity" json:"entity"`
	Before   string `db:"before" json:"before,omitempty"` // JSON
	After    string `db:"after" json:"after,omitempty"`   // JSON
	PrevHash string `db:"prev_hash" json:"prev_hash"`
	Hash     string `db:"hash" json:"hash"`
}

// Audit actions.
const (
	ActionRecord   = "results.record"
	ActionCorrect  = "result.correct"
	ActionObject   = "result.object"
	ActionWithdraw = "result.withdraw_objection"
	ActionFinalize = "results.finalize"
)

// computeHash returns the entry's hash: SHA-256 over prev_hash and every
// other field, each length-prefixed so that no two entries encode alike.
func (e *AuditEntry) computeHash() string {
	h := sha256.New()
	writeField(h, e.PrevHash)
	writeField(h, fmt.Sprint(e.Seq))
	for _, f := range []string{e.At, e.Actor, e.Action, e.Entity, e.Before, e.After} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
	h.Write([]byte(s))
}

type actorKey struct{}

// WithActor returns ctx carrying who acts, such as "token:3fa2c1d0e9b8
// (inspector I001)" or "cli:alice"; the audit log records it for every
// change made under ctx, and "system" without one.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor set by WithActor.
func ActorFrom(ctx context.Context) (string, bool) {
	a, ok := ctx.Value(actorKey{}).(string)
	return a, ok && a != ""
}

// actorOf returns the actor set by WithActor, or "system".
func actorOf(ctx context.Context) string {
	if a, ok := ActorFrom(ctx); ok {
		return a
	}
	return "system"
}

// appendAudit adds an entry to the chain inside tx. before and after are
// marshalled to JSON (nil leaves them empty). It returns the entry's seq.
func (s *Store) appendAudit(ctx context.Context, tx *sqlx.Tx, action, entity string, before, after any) (int64, error) {
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(auditLockKey)); err != nil {
			return 0, fmt.Errorf("lock audit log: %w", err)
		}
	}
	head := AuditEntry{Hash: genesis}
	err := tx.GetContext(ctx, &head, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("read audit head: %w", err)
	}
	e := AuditEntry{
		Seq: head.Seq + 1, At: s.now().UTC().Format(time.RFC3339Nano), Actor: actorOf(ctx),
		Action: action, Entity: entity, PrevHash: head.Hash,
	}
	if e.Before, err = jsonText(before); err != nil {
		return 0, err
	}
	if e.After, err = jsonText(after); err != nil {
		return 0, err
	}
	e.Hash = e.computeHash()
	if _, err := tx.NamedExecContext(ctx, `INSERT INTO audit_log (seq, at, actor, action, entity, before, after, prev_hash, hash)
		VALUES (:seq, :at, :actor, :action, :entity, :before, :after, :prev_hash, :hash)`, e); err != nil {
		return 0, fmt.Errorf("append audit entry: %w", err)
	}
	return e.Seq, nil
}

func jsonText(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode audit state: %w", err)
	}
	return string(b), nil
}

// AuditLog returns the entries with seq > after, oldest first, at most
// limit of them (all when limit <= 0).
func (s *Store) AuditLog(ctx context.Context, after int64, limit int) ([]AuditEntry, error) {
	q := `SELECT seq, at, actor, action, entity, before, after, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq`
	args := []any{after}
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	var out []AuditEntry
	if err := s.db.SelectContext(ctx, &out, s.db.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	return out, nil
}

// AuditReport is what VerifyAudit found.
type AuditReport struct {
	Entries  int      // audit entries checked
	Results  int      // result versions checked against their entries
	Legacy   int      // result versions recorded before the audit log existed
	HeadSeq  int64    // the last entry's seq
	HeadHash string   // and its hash: publish it to detect a cut-off tail later
	Problems []string // empty when the chain and the results agree
}

// OK reports whether no problem was found.
func (r *AuditReport) OK() bool { return len(r.Problems) == 0 }

// auditDigest is what an entry that created result versions records of them.
type auditDigest struct {
	Count  int    `json:"count"`
	Digest string `json:"digest"`
}

// VerifyAudit checks the audit chain and the results against it: every
// entry's hash, the link to its predecessor and the absence of gaps; that
// the result versions each entry created are still there, unchanged (by
// their digest); and that no result version lacks an entry. When
// expectHead is not empty the chain must end in that hash, which catches a
// tail cut off together with the results it created.
func (s *Store) VerifyAudit(ctx context.Context, expectHead string) (*AuditReport, error) {
	rep := &AuditReport{HeadHash: genesis}
	bad := func(format string, args ...any) { rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...)) }
	digests := map[int64]auditDigest{}
	rows, err := s.db.QueryxContext(ctx, `SELECT seq, at, actor, action, entity, before, after, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	prev := AuditEntry{Hash: genesis}
	for rows.Next() {
		var e AuditEntry
		if err := rows.StructScan(&e); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		rep.Entries++
		if e.Seq != prev.Seq+1 {
			bad("audit entries %d to %d are missing", prev.Seq+1, e.Seq-1)
		}
		if e.PrevHash != prev.Hash {
			bad("audit entry %d: prev_hash %.12s… does not match the hash of entry %d (%.12s…): an entry before it was removed or altered", e.Seq, e.PrevHash, prev.Seq, prev.Hash)
		}
		if h := e.computeHash(); h != e.Hash {
			bad("audit entry %d (%s by %s at %s): content does not match its hash: altered", e.Seq, e.Action, e.Actor, e.At)
		}
		var d auditDigest
		if e.After != "" && json.Unmarshal([]byte(e.After), &d) == nil && d.Digest != "" {
			digests[e.Seq] = d
		}
		prev = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	rep.HeadSeq, rep.HeadHash = prev.Seq, prev.Hash
	if expectHead != "" && expectHead != prev.Hash {
		bad("the chain ends at entry %d with hash %s, not the expected %s: entries were cut off or rewritten", prev.Seq, prev.Hash, expectHead)
	}

	// Stream the result versions in digest order and compare per entry.
	vrows, err := s.db.QueryxContext(ctx, `SELECT `+versionColumns+` FROM results ORDER BY audit_seq, task_id, version`)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer vrows.Close()
	var cur int64 = -1
	var dg *digester
	flush := func() {
		if cur <= 0 {
			return
		}
		want, ok := digests[cur]
		switch {
		case !ok:
			bad("%d result versions name audit entry %d, which records none: added behind the audit log's back", dg.n, cur)
		case want.Count != dg.n || want.Digest != dg.sum():
			bad("the %d result versions of audit entry %d do not match its digest (%d versions recorded): altered or removed", dg.n, cur, want.Count)
		}
		delete(digests, cur)
	}
	for vrows.Next() {
		var v sampling.ResultVersion
		if err := vrows.StructScan(&v); err != nil {
			return nil, fmt.Errorf("read results: %w", err)
		}
		rep.Results++
		if v.AuditSeq == 0 {
			rep.Legacy++
			continue
		}
		if v.AuditSeq != cur {
			flush()
			cur, dg = v.AuditSeq, newDigester()
		}
		dg.add(&v)
	}
	if err := vrows.Err(); err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	flush()
	for seq, d := range digests {
		bad("audit entry %d recorded %d result versions that are gone", seq, d.Count)
	}
	return rep, nil
}

// digester hashes result versions in (task_id, version) order, length-
// prefixing every field of their immutable content.
type digester struct {
	h        hash.Hash
	n        int
	buf, num []byte
}

func newDigester() *digester { return &digester{h: sha256.New()} }

// add hashes one version, encoded as writeField would, in one write:
// imports feed it a million versions.
func (d *digester) add(v *sampling.ResultVersion) {
	d.n++
	b := d.buf[:0]
	for _, n := range [2]int64{v.TaskID, int64(v.Version)} {
		d.num = strconv.AppendInt(d.num[:0], n, 10)
		b = binary.AppendUvarint(b, uint64(len(d.num)))
		b = append(b, d.num...)
	}
	for _, f := range [...]string{string(v.Kind), v.Outcome, string(v.TestedOn), v.ReportNo, v.FailedItems, string(v.CountedOn), v.RecordedBy, v.Reason} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	d.h.Write(b)
	d.buf = b
}

func (d *digester) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }

func (d *digester) record() auditDigest { return auditDigest{Count: d.n, Digest: d.sum()} }
