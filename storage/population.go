package storage

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"math/bits"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"spotcheck/sampling"
)

// A plan stores the population it was drawn from, so that it can be
// re-derived from stored data alone. Populations are stored once per
// distinct content (by digest), and a new one as what changed since the
// population stored before it: its units are cut into buckets by a hash of
// their key, each bucket has a digest of its units, and a population
// stores the units of the buckets whose digest differs from its base's,
// each such bucket whole. With about 16 units a bucket, a registry change
// of a few units stores a few dozen rows instead of a million. Reading a
// population takes, for each bucket, the units of the nearest population
// up its chain of bases that stored the bucket.

// unitsPerBucket is about how many units a bucket holds.
const unitsPerBucket = 16

// maxBucketBits bounds the number of buckets at 2^20 (8 MiB of digests).
const maxBucketBits = 20

// bucketBits returns the number of bits of the bucket numbers of a
// population of n units, about unitsPerBucket units a bucket; prev, when
// not negative, is the base's, kept when it is within one bit, so that a
// population that grows or shrinks a little keeps its base.
func bucketBits(n, prev int) int {
	b := min(bits.Len(uint(n/unitsPerBucket)), maxBucketBits)
	if prev >= 0 && prev >= b-1 && prev <= b+1 {
		return prev
	}
	return b
}

// bucketOf returns the bucket of the unit with key: the top b bits of the
// key's FNV-1a hash.
func bucketOf(key []byte, b int) uint32 {
	if b == 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write(key)
	return uint32(h.Sum64() >> (64 - b))
}

// bucketDigests returns, for each of the 2^b buckets of pop, the sum
// (modulo 2^64) of the first 8 bytes of the SHA-256 of its units' lines
// of the canonical listing: a digest that does not depend on the units'
// order, so that it is computed in one pass over them.
func bucketDigests(pop *sampling.Units, b int) []uint64 {
	sums := make([]uint64, 1<<b)
	var key, line []byte
	for i := range pop.Len() {
		key = pop.AppendKey(key[:0], i)
		line = pop.AppendListing(line[:0], i)
		h := sha256.Sum256(line)
		sums[bucketOf(key, b)] += binary.BigEndian.Uint64(h[:8])
	}
	return sums
}

func encodeDigests(sums []uint64) []byte {
	out := make([]byte, 8*len(sums))
	for i, s := range sums {
		binary.BigEndian.PutUint64(out[8*i:], s)
	}
	return out
}

func decodeDigests(b []byte) []uint64 {
	out := make([]uint64, len(b)/8)
	for i := range out {
		out[i] = binary.BigEndian.Uint64(b[8*i:])
	}
	return out
}

// aheadEvery is how many units the read hands to sampling.Ahead at a time.
const aheadEvery = 4096

// population loads the active units of industry, by key: in that order
// the draw walks memory in sequence. It holds them compactly (see
// sampling.Units): a field the driver returns is copied into the units'
// own storage, so the load allocates no object per unit. Enterprise names
// are left out; nameTasks fetches those of the drawn units. With digest
// (for a fire, which stores the population), the units' digest is computed
// on another goroutine while the rows arrive (sampling.Ahead).
func population(ctx context.Context, q queryer, industry string, digest bool) (units *sampling.Units, err error) {
	// The last stored population's size is a good guess of this one's,
	// and a query cheaper than counting: the units then grow in place.
	var n int
	err = q.QueryRowxContext(ctx, q.Rebind(`SELECT units FROM populations WHERE industry = ? ORDER BY id DESC LIMIT 1`), industry).Scan(&n)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("size units of %s: %w", industry, err)
	}
	rows, err := q.QueryContext(ctx, q.Rebind(`
		SELECT u.credit_code, u.category, e.county, e.risk
		FROM units u JOIN enterprises e ON e.credit_code = u.credit_code
		WHERE u.industry = ? AND e.active ORDER BY u.credit_code, u.category`), industry)
	if err != nil {
		return nil, fmt.Errorf("load units of %s: %w", industry, err)
	}
	defer rows.Close()
	units = &sampling.Units{}
	units.Grow(n+n/64, 18*(n+n/64)) // credit codes have 18 characters
	var ahead *sampling.Ahead
	if digest {
		ahead = sampling.NewAhead(units, industry)
		defer func() { ahead.Finish(err == nil) }()
	}
	var code, category, county, risk sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&code, &category, &county, &risk); err != nil {
			return nil, fmt.Errorf("load units of %s: %w", industry, err)
		}
		units.AppendBytes(code, category, county, risk, industry)
		if ahead != nil && units.Len()%aheadEvery == 0 {
			ahead.Feed()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load units of %s: %w", industry, err)
	}
	return units, nil
}

// storedPopulation is a populations row.
type storedPopulation struct {
	ID         int64         `db:"id"`
	BaseID     sql.NullInt64 `db:"base_id"`
	BucketBits int           `db:"bucket_bits"`
	Buckets    []byte        `db:"buckets"`
	ChainRows  int64         `db:"chain_rows"`
	Units      int64         `db:"units"`
}

const storedPopulationColumns = `id, base_id, bucket_bits, buckets, chain_rows, units`

// savePopulation returns the id of the stored population with the units'
// digest, storing it first when it is new: as what changed since the
// industry's newest stored population, or in full when there is none,
// when most buckets changed, or when reading it through its bases would
// take more than twice its units. Concurrent writers of the same
// population meet at the unique digest: the second waits for the first and
// then finds its row.
func savePopulation(ctx context.Context, tx *sqlx.Tx, industry string, units *sampling.Units) (int64, error) {
	digest := units.Digest(industry)
	var id int64
	err := tx.QueryRowxContext(ctx, tx.Rebind(`SELECT id FROM populations WHERE digest = ?`), digest).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find population: %w", err)
	}
	var base storedPopulation
	err = tx.GetContext(ctx, &base, tx.Rebind(`SELECT `+storedPopulationColumns+` FROM populations
		WHERE industry = ? AND buckets IS NOT NULL ORDER BY id DESC LIMIT 1`), industry)
	hasBase := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find the last stored population: %w", err)
	}
	prevBits := -1
	if hasBase {
		prevBits = base.BucketBits
	}
	b := bucketBits(units.Len(), prevBits)
	sums := bucketDigests(units, b)
	// The units to store: those of changed buckets, or all.
	var changed []bool
	if hasBase && b == base.BucketBits && len(base.Buckets) == 8*len(sums) {
		changed = make([]bool, len(sums))
		for k, s := range decodeDigests(base.Buckets) {
			changed[k] = s != sums[k]
		}
	}
	var store []int32
	var key []byte
	for i := range units.Len() {
		if changed != nil {
			key = units.AppendKey(key[:0], i)
			if !changed[bucketOf(key, b)] {
				continue
			}
		}
		store = append(store, int32(i))
	}
	chainRows := int64(len(store))
	var baseID any
	if changed != nil {
		chainRows += base.ChainRows
		if 2*len(store) > units.Len() || chainRows > 2*int64(units.Len()) {
			changed, store, chainRows = nil, nil, int64(units.Len()) // store it in full
			for i := range units.Len() {
				store = append(store, int32(i))
			}
		} else {
			baseID = base.ID
		}
	}
	err = tx.QueryRowxContext(ctx, tx.Rebind(`
		INSERT INTO populations (digest, industry, units, base_id, bucket_bits, buckets, chain_rows) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (digest) DO NOTHING RETURNING id`), digest, industry, units.Len(), baseID, b, encodeDigests(sums), chainRows).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		if err := tx.QueryRowxContext(ctx, tx.Rebind(`SELECT id FROM populations WHERE digest = ?`), digest).Scan(&id); err != nil {
			return 0, fmt.Errorf("find population: %w", err)
		}
		return id, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store population: %w", err)
	}
	if tx.DriverName() == Postgres {
		err = copyUnits(ctx, tx, id, units, store)
	} else {
		err = insertUnits(ctx, tx, id, units, store)
	}
	if err != nil {
		return 0, fmt.Errorf("store population units: %w", err)
	}
	return id, nil
}

// copyUnits streams units[i] for each i in which into population_units
// with COPY.
func copyUnits(ctx context.Context, tx *sqlx.Tx, id int64, units *sampling.Units, which []int32) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("population_units", "population_id", "credit_code", "category", "county", "risk"))
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, i := range which {
		if _, err := stmt.ExecContext(ctx, id, units.CreditCode(int(i)), units.Category(int(i)), units.County(int(i)), units.Risk(int(i))); err != nil {
			return err
		}
	}
	_, err = stmt.ExecContext(ctx)
	return err
}

// insertUnits inserts units[i] for each i in which into population_units.
func insertUnits(ctx context.Context, tx *sqlx.Tx, id int64, units *sampling.Units, which []int32) error {
	const batch = 200
	rows := make([][]any, 0, batch)
	for start := 0; start < len(which); start += batch {
		rows = rows[:0]
		for _, i := range which[start:min(start+batch, len(which))] {
			rows = append(rows, []any{id, units.CreditCode(int(i)), units.Category(int(i)), units.County(int(i)), units.Risk(int(i))})
		}
		if err := insertRows(ctx, tx, "population_units (population_id, credit_code, category, county, risk)", rows); err != nil {
			return err
		}
	}
	return nil
}

// loadPopulation returns the stored population with id, in key order (by
// the database's collation), its units of industry: for each bucket, the units of the nearest population
// up its chain of bases that stored the bucket.
func loadPopulation(ctx context.Context, q queryer, id int64, industry string) ([]sampling.Unit, error) {
	var chain []storedPopulation // the population, then its bases
	for next := id; ; {
		var p storedPopulation
		if err := sqlx.GetContext(ctx, q, &p, q.Rebind(`SELECT `+storedPopulationColumns+` FROM populations WHERE id = ?`), next); err != nil {
			return nil, fmt.Errorf("load population %d: %w", next, err)
		}
		chain = append(chain, p)
		if !p.BaseID.Valid {
			break
		}
		next = p.BaseID.Int64
	}
	// owner[k] is the place in chain of the population whose units of
	// bucket k are the population's: the nearest that stored the bucket.
	var owner []int
	b := chain[0].BucketBits
	if len(chain) > 1 {
		owner = make([]int, 1<<b)
		for k := range owner {
			owner[k] = len(chain) - 1
		}
		sums := make([][]uint64, len(chain))
		for c := range chain {
			sums[c] = decodeDigests(chain[c].Buckets)
			if len(sums[c]) != len(owner) {
				return nil, fmt.Errorf("load population %d: population %d has %d bucket digests, want %d", id, chain[c].ID, len(sums[c]), len(owner))
			}
		}
		for k := range owner {
			for c := 0; c < len(chain)-1; c++ {
				if sums[c][k] != sums[c+1][k] {
					owner[k] = c
					break
				}
			}
		}
	}
	place := map[int64]int{}
	ids := make([]any, len(chain))
	for c, p := range chain {
		place[p.ID] = c
		ids[c] = p.ID
	}
	rows, err := q.QueryContext(ctx, q.Rebind(`SELECT population_id, credit_code, category, county, risk FROM population_units
		WHERE population_id IN (`+placeholders(len(ids))+`) ORDER BY credit_code, category`), ids...)
	if err != nil {
		return nil, fmt.Errorf("load population %d: %w", id, err)
	}
	defer rows.Close()
	out := make([]sampling.Unit, 0, chain[0].Units)
	var key []byte
	for rows.Next() {
		var from int64
		u := sampling.Unit{Industry: industry}
		if err := rows.Scan(&from, &u.CreditCode, &u.Category, &u.County, &u.Risk); err != nil {
			return nil, fmt.Errorf("load population %d: %w", id, err)
		}
		if owner != nil {
			key = u.AppendKey(key[:0])
			if owner[bucketOf(key, b)] != place[from] {
				continue
			}
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load population %d: %w", id, err)
	}
	if int64(len(out)) != chain[0].Units {
		return nil, fmt.Errorf("load population %d: %d units stored, want %d", id, len(out), chain[0].Units)
	}
	return out, nil
}
