package main

import (
	"context"
	"fmt"
	"time"

	"spotcheck/sampling"
	"spotcheck/storage"
)

// printDemoTokens makes an admin token and a token of one demo inspector
// and prints them, so that a new user can try the API and the pages.
func printDemoTokens(ctx context.Context, store *storage.Store, inspectors []sampling.Inspector, base string, e env) error {
	// The tokens of an earlier run stop working: only the ones printed
	// now are valid.
	old, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range old {
		if t.CreatedBy == storage.DemoActor && t.RevokedAt == nil {
			if err := store.RevokeToken(ctx, t.ID, e.now()); err != nil {
				return err
			}
		}
	}
	admin, _, err := store.CreateToken(ctx, storage.NewToken{Role: sampling.RoleAdmin, Note: "demo", CreatedBy: storage.DemoActor, TTL: 24 * time.Hour}, e.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo admin token (valid 24h):  %s\n  curl -H 'Authorization: Bearer %s' %s/api/v1/rates\n", admin, admin, base)
	if len(inspectors) == 0 {
		return nil
	}
	id := inspectors[0].ID
	insp, _, err := store.CreateToken(ctx, storage.NewToken{Role: sampling.RoleInspector, Inspector: id, Note: "demo", CreatedBy: storage.DemoActor, TTL: 24 * time.Hour}, e.now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "demo inspector %s token:         %s\n  sign in at %s/inspect\n", id, insp, base)
	return nil
}
