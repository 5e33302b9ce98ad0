package beacon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// ErrNotYet reports that no relay has published the round yet: it is in
// the future, or just due. The caller asks again later.
var ErrNotYet = errors.New("round not published yet")

// Relays fetches rounds of one chain from drand HTTP relays, verifying each
// answer: a relay that is down, or serves a round that does not verify, is
// passed over for the next.
type Relays struct {
	urls     []string
	verifier *Verifier
	client   *http.Client
	attempts int
	backoff  time.Duration
	logger   *slog.Logger
}

// RelayOptions tune NewRelays; zero values take the defaults.
type RelayOptions struct {
	// Client is the HTTP client (default: one with a 10 s timeout).
	Client *http.Client
	// Attempts is how many times each relay is tried (default 3).
	Attempts int
	// Backoff is the wait before the second round of attempts, doubled
	// for each further one (default 1 s).
	Backoff time.Duration
}

// NewRelays returns a client of the relays at urls (such as
// https://api.drand.sh), tried in order, for the verifier's chain.
func NewRelays(urls []string, v *Verifier, opts RelayOptions, logger *slog.Logger) (*Relays, error) {
	if len(urls) == 0 {
		return nil, errors.New("drand relays: no URL configured")
	}
	r := &Relays{verifier: v, client: opts.Client, attempts: opts.Attempts, backoff: opts.Backoff,
		logger: logger.With("component", "drand")}
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return nil, fmt.Errorf("drand relay %q: want an http:// or https:// URL", u)
		}
		r.urls = append(r.urls, strings.TrimRight(u, "/"))
	}
	if r.client == nil {
		r.client = &http.Client{Timeout: 10 * time.Second}
	}
	if r.attempts <= 0 {
		r.attempts = 3
	}
	if r.backoff == 0 {
		r.backoff = time.Second
	}
	return r, nil
}

// Fetch returns round number round, verified. It tries every relay in
// turn, up to the configured number of attempts. When relays answer that
// the round does not exist yet (404, 425) and none serves it, it returns an
// error wrapping ErrNotYet; when every relay failed otherwise, an error
// listing what each did.
func (r *Relays) Fetch(ctx context.Context, round uint64) (Round, []byte, error) {
	var errs []error
	wait := r.backoff
	for attempt := range r.attempts {
		if attempt > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return Round{}, nil, fmt.Errorf("fetch drand round %d: %w", round, ctx.Err())
			case <-t.C:
			}
			wait *= 2
		}
		errs = errs[:0]
		notYet := 0
		for _, base := range r.urls {
			got, err := r.get(ctx, base, round)
			if err == nil {
				var rand []byte
				if rand, err = r.verifier.Verify(got, round); err == nil {
					return got, rand, nil
				}
				// A relay serving a round that does not verify is lying or
				// broken: say so loudly, and try the next.
				r.logger.Warn("relay served an invalid round", "relay", base, "round", round, "err", err)
			}
			if errors.Is(err, ErrNotYet) {
				notYet++
			}
			errs = append(errs, fmt.Errorf("%s: %w", base, err))
		}
		if notYet == len(r.urls) {
			return Round{}, nil, fmt.Errorf("fetch drand round %d: %w", round, ErrNotYet)
		}
	}
	return Round{}, nil, fmt.Errorf("fetch drand round %d from %d relays, %d attempts each: %w", round, len(r.urls), r.attempts, errors.Join(errs...))
}

// get asks one relay for a round.
func (r *Relays) get(ctx context.Context, base string, round uint64) (Round, error) {
	url := fmt.Sprintf("%s/%s/public/%d", base, r.verifier.chain.Hash, round)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Round{}, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return Round{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusTooEarly:
		return Round{}, fmt.Errorf("HTTP %d: %w", resp.StatusCode, ErrNotYet)
	case resp.StatusCode != http.StatusOK:
		return Round{}, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var got Round
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<16)).Decode(&got); err != nil {
		return Round{}, fmt.Errorf("decode round: %w", err)
	}
	return got, nil
}
