package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"

	"spotcheck/sampling"
)

// Frame returns the units of active enterprises in industry.
func (s *Store) Frame(ctx context.Context, industry string) ([]sampling.Unit, error) {
	var units []sampling.Unit
	rows, err := s.db.QueryxContext(ctx, s.db.Rebind(`
		SELECT e.credit_code, e.name, e.county, u.industry, u.category, e.risk
		FROM units u JOIN enterprises e ON e.credit_code = u.credit_code
		WHERE u.industry = ? AND e.active`), industry)
	if err != nil {
		return nil, fmt.Errorf("load frame of %s: %w", industry, err)
	}
	defer rows.Close()
	for rows.Next() {
		var u sampling.Unit
		if err := rows.Scan(&u.CreditCode, &u.Enterprise, &u.County, &u.Industry, &u.Category, &u.Risk); err != nil {
			return nil, fmt.Errorf("load frame of %s: %w", industry, err)
		}
		units = append(units, u)
	}
	return units, rows.Err()
}

// Inspectors returns the active inspectors with their industries and
// recusals.
func (s *Store) Inspectors(ctx context.Context) ([]sampling.Inspector, error) {
	return inspectors(ctx, s.db)
}

// inspectors loads the active inspectors with q.
func inspectors(ctx context.Context, q queryer) ([]sampling.Inspector, error) {
	var rows []struct {
		ID     string `db:"id"`
		Name   string `db:"name"`
		County string `db:"county"`
	}
	if err := sqlx.SelectContext(ctx, q, &rows, `SELECT id, name, county FROM inspectors WHERE active ORDER BY id`); err != nil {
		return nil, fmt.Errorf("load inspectors: %w", err)
	}
	byID := make(map[string]*sampling.Inspector, len(rows))
	out := make([]sampling.Inspector, len(rows))
	for i, r := range rows {
		out[i] = sampling.Inspector{ID: r.ID, Name: r.Name, County: r.County}
		byID[r.ID] = &out[i]
	}
	var pairs []struct {
		ID    string `db:"inspector_id"`
		Value string `db:"value"`
		Kind  string `db:"kind"`
	}
	if err := sqlx.SelectContext(ctx, q, &pairs, `
		SELECT inspector_id, industry AS value, 'industry' AS kind FROM inspector_industries
		UNION ALL
		SELECT inspector_id, credit_code, 'recusal' FROM recusals
		ORDER BY 1, 3, 2`); err != nil {
		return nil, fmt.Errorf("load inspectors: %w", err)
	}
	for _, p := range pairs {
		in := byID[p.ID]
		if in == nil {
			continue
		}
		if p.Kind == "industry" {
			in.Industries = append(in.Industries, p.Value)
		} else {
			in.Recusals = append(in.Recusals, p.Value)
		}
	}
	return out, nil
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// inChunks calls fn on values in chunks small enough for an IN list
// (SQLite allows 32,766 parameters): the chunk as query arguments, and its
// placeholders as a parenthesized list.
func inChunks[T any](values []T, fn func(args []any, list string) error) error {
	for start := 0; start < len(values); start += 5000 {
		chunk := values[start:min(start+5000, len(values))]
		args := make([]any, len(chunk))
		for i, v := range chunk {
			args[i] = v
		}
		if err := fn(args, "("+placeholders(len(chunk))+")"); err != nil {
			return err
		}
	}
	return nil
}
