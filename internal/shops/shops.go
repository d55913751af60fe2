// Package shops is the shop registry of the order webhook: for a source and
// the shop a delivery names, the shop's settings and webhook secrets.
//
// A shop is found first among the shop settings stored in the table
// (managed with the operators' tool, cmd/thankyou), then among the shops
// configured by environment: one per source whose secret is set (a
// deployment for one shop). Anything else is an unknown shop.
//
// The environment's shop answers to the shop ids in SHOP_IDS only; for a
// source SHOP_IDS names none of, it learns the id of its first verified
// delivery and answers to that one only (Admit). A signed delivery resent
// under other shop ids so makes no second task.
//
// Stored settings, and their absence, are cached by a warm function in a
// cache of bounded size (MaxCached entries), for CacheFor when found and
// MissCacheFor when not: an unsigned request costs at most one request,
// and a flood of made-up shop ids cannot grow the function's memory. Until
// an instance knows the learnt shop id, that request also fetches it (one
// BatchGetItem of the two items), so a cold instance's first delivery is
// admitted without a second read in sequence.
package shops

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Shop is a shop ready for the order webhook: its settings, its resolved
// webhook secrets, its parsed closed dates and time zone.
type Shop struct {
	thankyou.Shop
	Secrets [][]byte
	Closed  []polite.Date
	Zone    *time.Location
	// Environment is set for the shop configured by environment, which
	// answers only to the ids Admit accepts.
	Environment bool
}

// Hours are the shop's hours for a thank-you: its window and closed
// dates, under the law and holidays polite.Hours adds.
func (s Shop) Hours() polite.Hours {
	return polite.Hours{Window: s.Window, Closed: s.Closed}
}

// Store reads stored shop settings; an unknown shop is ENOTFOUND.
type Store interface {
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
}

// Learner records the one shop id the environment's shop learns per source.
type Learner interface {
	// LearnShopID records id unless an id was recorded for the source
	// already, and returns the recorded one: a read, and a write the first
	// time.
	LearnShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error)
	// ClaimShopID is LearnShopID for a caller that read that no id was
	// recorded: a conditional write, and a read only when one was
	// recorded meanwhile.
	ClaimShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error)
	// GetShopAndLearntID reads a shop's stored settings (found is false
	// when there are none) and the source's learnt shop id, with one
	// request.
	GetShopAndLearntID(ctx context.Context, source thankyou.Source, id string) (shop thankyou.Shop, found bool, learnt thankyou.LearntShopID, err error)
}

// CacheFor is how long a stored shop's settings are reused by a warm
// function before being read again: a change made with the operators' tool
// applies within this time.
const CacheFor = time.Minute

// MissCacheFor is how long a warm function remembers that a shop id has
// no stored settings: long enough that a flood of requests naming it costs
// one read, short enough that a shop just added is found soon.
const MissCacheFor = 10 * time.Second

// MaxCached is how many shop ids (found or not) a warm function
// remembers; the oldest remembered is forgotten first.
const MaxCached = 1024

// Registry finds shops. It is safe for concurrent use.
type Registry struct {
	bySource map[thankyou.Source]Shop
	// language and maxWait are the deployment's, for stored shops that
	// set none.
	language string
	maxWait  time.Duration
	store    Store
	secrets  *secret.Resolver
	now      func() time.Time
	// allowed are the ids the environment's shop answers to (SHOP_IDS),
	// learner records the learnt one of a source that SHOP_IDS names none
	// of, learnt remembers it once known.
	allowed map[thankyou.Source][]string
	learner Learner
	// closed are the deployment's closed dates (CLOSED_DATES), added to
	// every shop's own.
	closed []polite.Date

	mu     sync.Mutex
	cache  map[string]cached
	order  []string // cache keys in the order they were added (a ring)
	next   int      // the ring's oldest key, the next to forget
	learnt map[thankyou.Source]string
	// unlearnt is when a read found no learnt id for a source: Admit then
	// claims one without reading again, and the shop reads leave the
	// learnt id out for MissCacheFor.
	unlearnt map[thankyou.Source]time.Time
}

type cached struct {
	shop  thankyou.Shop
	found bool
	until time.Time
}

// FromConfig builds the registry of the shop configured by environment:
// one entry per source whose secret is set. A secret whose SSM parameter
// or Secrets Manager secret does not exist turns that source off (logged);
// any other failure to read a secret is an error.
// Stored shops are read from store (nil: none); the environment's shop
// learns its ids through learner (nil: it answers to SHOP_IDS only).
func FromConfig(ctx context.Context, cfg config.OrderWebhookConfig, r *secret.Resolver, store Store, learner Learner, log *slog.Logger) (*Registry, error) {
	closed, err := polite.ParseDates(cfg.ClosedDates)
	if err != nil {
		return nil, fmt.Errorf("CLOSED_DATES: %w", err)
	}
	reg := &Registry{bySource: map[thankyou.Source]Shop{}, store: store, secrets: r, now: time.Now,
		allowed: cfg.ShopIDs, learner: learner, cache: map[string]cached{}, learnt: map[thankyou.Source]string{}, unlearnt: map[thankyou.Source]time.Time{}, closed: closed,
		language: cfg.Language, maxWait: cfg.MaxWait}
	for src, sec := range cfg.Secrets() {
		val, err := r.Resolve(ctx, sec)
		if secret.IsNotFound(err) {
			log.InfoContext(ctx, "order source off: its secret does not exist", "source", src, "secret", sec.String())
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s webhook secret: %w", src, err)
		}
		reg.bySource[src] = Shop{
			Shop: thankyou.Shop{
				Source:         src,
				Name:           cfg.ShopName,
				TimeZone:       cfg.ShopTimeZone.String(),
				DefaultCountry: cfg.DefaultCountry,
				Channel:        cfg.Channel,
				StaffPhone:     cfg.StaffPhone,
				Window:         cfg.Window,
				Delay:          cfg.Delay,
				ExpireAfter:    cfg.ExpireAfter,
				Rules:          cfg.Rules,
				Voice:          cfg.Voice,
				Trigger:        cfg.Trigger,
				MaxWait:        cfg.MaxWait,
				Language:       cfg.Language,
			},
			Secrets:     [][]byte{[]byte(val)},
			Closed:      closed,
			Zone:        cfg.ShopTimeZone,
			Environment: true,
		}
	}
	return reg, nil
}

// Sources lists the sources that have a shop.
func (r *Registry) Sources() []thankyou.Source {
	out := make([]thankyou.Source, 0, len(r.bySource))
	for s := range r.bySource {
		out = append(out, s)
	}
	return out
}

// Shop returns the shop of a source that a delivery names: its stored
// settings, else the shop configured by environment for that source. An
// unknown shop is an EUNAUTHORIZED error (nothing is stored for it), which
// tells the caller nothing about which shops exist.
func (r *Registry) Shop(ctx context.Context, source thankyou.Source, shopID string) (Shop, error) {
	if r.store != nil && shopID != "" {
		stored, found, err := r.stored(ctx, source, shopID)
		if err != nil {
			return Shop{}, err
		}
		if found {
			return r.ready(ctx, stored)
		}
	}
	s, ok := r.bySource[source]
	if !ok {
		return Shop{}, thankyou.Errorf(thankyou.EUNAUTHORIZED, "unknown shop")
	}
	s.ID = shopID
	return s, nil
}

// Admit tells whether a verified delivery for shop, naming shopID, may be
// acted on. A stored shop answers to its own id. The environment's shop
// answers to the ids SHOP_IDS gives its source, else to the id it learnt
// from the first verified delivery of that source (learning it now when
// this is the first). Any other id is EUNAUTHORIZED, with nothing written.
// Call it only after the delivery's signature was verified: learning
// writes. The learnt id usually came with the shop's settings (Shop's
// one read on a cold instance), so Admit costs no request; when that read
// found none, Admit claims it with one conditional write.
func (r *Registry) Admit(ctx context.Context, shop Shop, shopID string) error {
	if !shop.Environment {
		return nil
	}
	refuse := thankyou.Errorf(thankyou.EUNAUTHORIZED, "shop id is not one the deployment's shop answers to (SHOP_IDS)")
	if ids := r.allowed[shop.Source]; len(ids) > 0 {
		if slices.Contains(ids, shopID) {
			return nil
		}
		return refuse
	}
	r.mu.Lock()
	id, known := r.learnt[shop.Source]
	_, unlearnt := r.unlearnt[shop.Source]
	r.mu.Unlock()
	if !known {
		if r.learner == nil {
			return refuse
		}
		learn := r.learner.LearnShopID
		if unlearnt {
			learn = r.learner.ClaimShopID
		}
		var err error
		if id, err = learn(ctx, shop.Source, shopID, r.now()); err != nil {
			return fmt.Errorf("learn the %s shop id: %w", shop.Source, err)
		}
		r.mu.Lock()
		r.learnt[shop.Source] = id
		delete(r.unlearnt, shop.Source)
		r.mu.Unlock()
	}
	if id != shopID {
		return refuse
	}
	return nil
}

// stored reads a shop's stored settings, through the cache. The read
// also fetches the source's learnt shop id while Admit may need it and the
// registry does not know it: one request either way.
func (r *Registry) stored(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, bool, error) {
	key := string(source) + ":" + id
	now := r.now()
	r.mu.Lock()
	c, ok := r.cache[key]
	withLearnt := r.needsLearnt(source, now)
	r.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.shop, c.found, nil
	}
	var (
		sh     thankyou.Shop
		found  bool
		learnt thankyou.LearntShopID
		err    error
	)
	if withLearnt {
		if sh, found, learnt, err = r.learner.GetShopAndLearntID(ctx, source, id); err != nil {
			return thankyou.Shop{}, false, fmt.Errorf("read shop %s: %w", key, err)
		}
		r.mu.Lock()
		if learnt.Found {
			r.learnt[source] = learnt.ID
			delete(r.unlearnt, source)
		} else if _, known := r.learnt[source]; !known {
			r.unlearnt[source] = now
		}
		r.mu.Unlock()
	} else {
		sh, err = r.store.GetShop(ctx, source, id)
		found = err == nil
		if err != nil && thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
			return thankyou.Shop{}, false, fmt.Errorf("read shop %s: %w", key, err)
		}
	}
	until := now.Add(MissCacheFor)
	if found {
		until = now.Add(CacheFor)
	}
	r.remember(key, cached{shop: sh, found: found, until: until})
	return sh, found, nil
}

// needsLearnt tells whether a shop read should also fetch the source's
// learnt shop id: the environment has a shop for the source that SHOP_IDS
// names no id of, and its learnt id is not known, nor known to be missing
// as of MissCacheFor ago (so that unsigned requests do not read it again
// and again). Call it with r.mu held.
func (r *Registry) needsLearnt(source thankyou.Source, now time.Time) bool {
	if r.learner == nil || len(r.allowed[source]) > 0 {
		return false
	}
	if _, ok := r.bySource[source]; !ok {
		return false
	}
	if _, known := r.learnt[source]; known {
		return false
	}
	at, unlearnt := r.unlearnt[source]
	return !unlearnt || !now.Before(at.Add(MissCacheFor))
}

// remember caches c under key, forgetting the oldest key remembered when
// the cache is full.
func (r *Registry) remember(key string, c cached) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cache[key]; !ok {
		if len(r.order) < MaxCached {
			r.order = append(r.order, key)
		} else {
			delete(r.cache, r.order[r.next])
			r.order[r.next] = key
			r.next = (r.next + 1) % MaxCached
		}
	}
	r.cache[key] = c
}

// ready resolves a stored shop's secrets and loads its zone.
// A reference to a secret that does not exist is skipped (it may be the
// retired half of a rotation); a shop with no readable secret at all is a
// configuration error.
func (r *Registry) ready(ctx context.Context, sh thankyou.Shop) (Shop, error) {
	if !sh.ErasedAt.IsZero() {
		// Only its privacy requests are still accepted: its secrets are
		// all that is left, and all that is needed.
		return r.secretsOf(ctx, Shop{Shop: sh, Zone: time.UTC})
	}
	if sh.Window.IsZero() {
		return Shop{}, thankyou.Errorf(thankyou.EINVALID, "shop %s:%s has no send window", sh.Source, sh.ID)
	}
	zone, err := time.LoadLocation(sh.TimeZone)
	if err != nil {
		return Shop{}, fmt.Errorf("shop %s:%s: time zone %q: %w", sh.Source, sh.ID, sh.TimeZone, err)
	}
	closed, err := polite.ParseDates(sh.Closed)
	if err != nil {
		return Shop{}, fmt.Errorf("shop %s:%s: %w", sh.Source, sh.ID, err)
	}
	out := Shop{Shop: sh, Closed: mergeDates(closed, r.closed), Zone: zone}
	if out.Language == "" {
		out.Language = r.language
	}
	if out.MaxWait <= 0 {
		out.MaxWait = cmp.Or(r.maxWait, thankyou.DefaultMaxWait)
	}
	return r.secretsOf(ctx, out)
}

// secretsOf resolves the shop's secret references into out.Secrets.
func (r *Registry) secretsOf(ctx context.Context, out Shop) (Shop, error) {
	sh := out.Shop
	for _, ref := range sh.SecretRefs {
		v, err := r.secrets.Resolve(ctx, config.Secret{Ref: ref})
		if secret.IsNotFound(err) {
			continue
		}
		if err != nil {
			return Shop{}, fmt.Errorf("shop %s:%s: %w", sh.Source, sh.ID, err)
		}
		out.Secrets = append(out.Secrets, []byte(v))
	}
	if len(out.Secrets) == 0 {
		return Shop{}, thankyou.Errorf(thankyou.EINTERNAL, "shop %s:%s has no readable webhook secret", sh.Source, sh.ID)
	}
	return out, nil
}

// mergeDates returns the dates of a and b, sorted, each once.
func mergeDates(a, b []polite.Date) []polite.Date {
	out, _ := polite.ParseDates(polite.FormatDates(append(slices.Clone(a), b...)))
	return out
}
