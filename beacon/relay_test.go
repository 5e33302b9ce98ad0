package beacon

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// relay serves rounds at /{chain hash}/public/{round}, as drand relays do,
// counting requests; rounds it lacks are 404.
func relay(t *testing.T, chain string, rounds []Round) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		for _, rd := range rounds {
			if r.URL.Path == fmt.Sprintf("/%s/public/%d", chain, rd.Round) {
				w.Header().Set("Content-Type", "application/json")
				_ = json.NewEncoder(w).Encode(rd)
				return
			}
		}
		http.NotFound(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// downRelay is a relay whose server is gone: connections are refused.
func downRelay(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	return url
}

func newRelays(t *testing.T, urls ...string) *Relays {
	t.Helper()
	r, err := NewRelays(urls, quicknetVerifier(t), RelayOptions{Attempts: 2, Backoff: 1}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestRelaysFetch fetches real quicknet rounds from local relays: a good
// one, one that is down, one that answers 500, and one that serves a forged
// round (another round's signature).
func TestRelaysFetch(t *testing.T) {
	rounds := quicknetRounds(t)
	hash := Quicknet().Hash
	good, _ := relay(t, hash, rounds)
	forgedRounds := []Round{{Round: 1000, Randomness: rounds[1].Randomness, Signature: rounds[1].Signature}}
	forged, forgedHits := relay(t, hash, forgedRounds)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "overloaded", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)
	other, otherRound := walkthrough()
	otherRelay, _ := relay(t, hash, []Round{otherRound})

	t.Run("down, broken and forging relays are passed over", func(t *testing.T) {
		c := newRelays(t, downRelay(t), broken.URL, forged.URL, good.URL)
		got, rand, err := c.Fetch(t.Context(), 1000)
		if err != nil {
			t.Fatalf("Fetch(1000) = %v, want the good relay's round", err)
		}
		if got.Signature != rounds[0].Signature || fmt.Sprintf("%x", rand) != rounds[0].Randomness {
			t.Errorf("Fetch(1000) = %+v, %x; want round 1000 of testdata", got, rand)
		}
		if forgedHits.Load() != 1 {
			t.Errorf("the forging relay was asked %d times, want 1", forgedHits.Load())
		}
	})
	t.Run("only a forging relay", func(t *testing.T) {
		c := newRelays(t, forged.URL)
		_, _, err := c.Fetch(t.Context(), 1000)
		if !errors.Is(err, ErrForged) || !strings.Contains(err.Error(), "2 attempts each") {
			t.Errorf("Fetch(1000) from a forging relay = %v, want ErrForged after 2 attempts", err)
		}
	})
	t.Run("only relays that are down", func(t *testing.T) {
		c := newRelays(t, downRelay(t), broken.URL)
		_, _, err := c.Fetch(t.Context(), 1000)
		if err == nil || errors.Is(err, ErrNotYet) || !strings.Contains(err.Error(), "HTTP 500") {
			t.Errorf("Fetch(1000) from down relays = %v, want an error naming each, not ErrNotYet", err)
		}
	})
	t.Run("a round nobody has yet", func(t *testing.T) {
		c := newRelays(t, good.URL)
		_, _, err := c.Fetch(t.Context(), 99999999)
		if !errors.Is(err, ErrNotYet) {
			t.Errorf("Fetch(future round) = %v, want ErrNotYet", err)
		}
	})
	t.Run("another chain's round at quicknet's address", func(t *testing.T) {
		c := newRelays(t, otherRelay.URL)
		_, _, err := c.Fetch(t.Context(), otherRound.Round)
		if !errors.Is(err, ErrForged) {
			t.Errorf("Fetch(%s round %d) = %v, want ErrForged", other.Name, otherRound.Round, err)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		if _, err := NewRelays([]string{"ftp://x"}, quicknetVerifier(t), RelayOptions{}, slog.Default()); err == nil || !strings.Contains(err.Error(), `"ftp://x"`) {
			t.Errorf("NewRelays(ftp://x) = %v, want the URL named", err)
		}
	})
}
