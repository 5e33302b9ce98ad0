package main

import (
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"spotcheck/beacon"
	"spotcheck/publication"
)

// verifyFromFlags are the flags of `plan verify --from FILE`, which checks a
// saved disclosure without the database.
type verifyFromFlags struct {
	from, key, commitment *string
}

// addVerifyFromFlags adds --from, --key and --commitment to fs.
func addVerifyFromFlags(fs *flag.FlagSet) *verifyFromFlags {
	return &verifyFromFlags{
		from:       fs.String("from", "", "verify a saved public record (from GET /api/v1/public/plans/ID) without the database; - reads stdin"),
		key:        fs.String("key", "", "with --from: the authority's public key (hex, from GET /api/v1/public/key) the record must be signed with"),
		commitment: fs.String("commitment", "", "with --from: a commitment saved before the plan closed, which the record must carry"),
	}
}

// set reports whether --from was given.
func (f *verifyFromFlags) set() bool { return *f.from != "" }

// run verifies the disclosure named by --from.
func (f *verifyFromFlags) run(e env) error {
	opts := publication.Options{Commitment: strings.TrimSpace(*f.commitment)}
	if *f.key != "" {
		k, err := hex.DecodeString(strings.TrimSpace(*f.key))
		if err != nil || len(k) != ed25519.PublicKeySize {
			return usageError("plan verify: --key: want an Ed25519 public key in hex (64 digits)")
		}
		opts.PublicKey = k
	}
	return verifyDisclosure(*f.from, opts, e)
}

// verifyDisclosure checks the disclosure saved at path (- for stdin)
// with nothing but the disclosure: exit 0 with "match" when it holds, 1 listing
// the differences when not, 2 when it cannot be read.
func verifyDisclosure(path string, opts publication.Options, e env) error {
	var r io.Reader = e.stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return badInput(fmt.Errorf("plan verify: %w", err))
		}
		defer f.Close()
		r = f
	}
	rec, err := publication.Decode(r)
	if err != nil {
		return badInput(fmt.Errorf("plan verify %s: %w", path, err))
	}
	diffs := publication.Verify(rec, opts)
	if len(diffs) == 0 {
		signer := "its own key"
		if opts.PublicKey != nil {
			signer = "the given key"
		}
		fmt.Fprintf(e.stdout, "match: plan %d re-derives from its seed and inputs (%d tasks, frame of %d units, commitment %s); its bulletin sums its outcomes; signed with %s\n",
			rec.Plan.ID, len(rec.Tasks), rec.Plan.FrameSize, rec.Plan.Commitment, signer)
		fmt.Fprintln(e.stdout, seedOrigin(rec))
		if k, err := hex.DecodeString(rec.Signature.PublicKey); err == nil && len(k) == ed25519.PublicKeySize {
			fmt.Fprintf(e.stdout, "signing key fingerprint %s: compare it with the one the authority published elsewhere\n", publication.KeyFingerprint(k))
		}
		return nil
	}
	for _, d := range diffs {
		fmt.Fprintln(e.stdout, "differs: "+d)
	}
	return &exitError{code: 1, err: errors.New("plan verify: the public record of plan " + fmt.Sprint(rec.Plan.ID) + " does not hold: " + diffs[0])}
}

// seedOrigin says in plain words where a verified record's seed came from
// and what that proves.
func seedOrigin(rec publication.Disclosure) string {
	switch {
	case rec.Beacon != nil && len(rec.Announcements) > 0:
		a := rec.Announcements[len(rec.Announcements)-1]
		if rec.Beacon.Kind == beacon.KindDrand {
			return fmt.Sprintf("seed: derived from announcement %d (%s, made %s, fixing the frame and the design) and drand %s round %d, published %s: nobody could know it when the draw was fixed",
				a.Sequence, a.Hash(), a.AnnouncedAt.UTC().Format(time.RFC3339), a.Beacon.ChainName, rec.Beacon.Round, a.Beacon.RoundTime.UTC().Format(time.RFC3339))
		}
		return fmt.Sprintf("seed: derived from announcement %d (%s, made %s, fixing the frame and the design) and the public result %q (%s, template %q)",
			a.Sequence, a.Hash(), a.AnnouncedAt.UTC().Format(time.RFC3339), rec.Beacon.Text, a.Beacon.Description, a.Beacon.Template)
	case rec.Draw.Record != nil && rec.Draw.Record.Seed.Source != "":
		return fmt.Sprintf("seed: SHA-256 of the public text %q, which was not announced beforehand: whether its source and spelling were chosen among several cannot be checked", rec.Draw.Record.Seed.Source)
	default:
		return "seed: chosen by the system's random number generator: nobody outside can check that the system did not draw again and again and keep the plan it preferred"
	}
}
