// Package shops is the shop registry of the order webhook: for a source and
// the shop a delivery names, the shop's settings and webhook secrets.
//
// A shop is found first among the shop settings stored in the table
// (managed with the operators' tool, cmd/thankyou), then among the shops
// configured by environment: one per source whose secret is set, matching
// any shop id of that source (a deployment for one shop). Anything else is
// an unknown shop.
package shops

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Shop is a shop ready for the order webhook: its settings, its resolved
// webhook secrets, its parsed send window and time zone.
type Shop struct {
	thankyou.Shop
	Secrets [][]byte
	Window  polite.Window
	Zone    *time.Location
}

// Store reads stored shop settings; an unknown shop is ENOTFOUND.
type Store interface {
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
}

// CacheFor is how long a stored shop's settings (or their absence) are
// reused by a warm function before being read again: a change made with
// the operators' tool applies within this time.
const CacheFor = time.Minute

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

	mu    sync.Mutex
	cache map[string]cached
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
// Stored shops are read from store (nil: none).
func FromConfig(ctx context.Context, cfg config.OrderWebhookConfig, r *secret.Resolver, store Store, log *slog.Logger) (*Registry, error) {
	w, err := polite.ParseWindow(cfg.Window.Start, cfg.Window.End, cfg.Window.Days)
	if err != nil {
		return nil, fmt.Errorf("send window: %w", err)
	}
	reg := &Registry{bySource: map[thankyou.Source]Shop{}, store: store, secrets: r, now: time.Now, cache: map[string]cached{},
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
				WindowStart:    cfg.Window.Start,
				WindowEnd:      cfg.Window.End,
				Days:           cfg.Window.Days,
				Delay:          cfg.Delay,
				ExpireAfter:    cfg.ExpireAfter,
				Rules:          cfg.Rules,
				Voice:          cfg.Voice,
				Trigger:        cfg.Trigger,
				MaxWait:        cfg.MaxWait,
				Language:       cfg.Language,
			},
			Secrets: [][]byte{[]byte(val)},
			Window:  w,
			Zone:    cfg.ShopTimeZone,
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

// stored reads a shop's stored settings, through the cache.
func (r *Registry) stored(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, bool, error) {
	key := string(source) + ":" + id
	now := r.now()
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if ok && now.Before(c.until) {
		return c.shop, c.found, nil
	}
	sh, err := r.store.GetShop(ctx, source, id)
	found := err == nil
	if err != nil && thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		return thankyou.Shop{}, false, fmt.Errorf("read shop %s: %w", key, err)
	}
	r.mu.Lock()
	r.cache[key] = cached{shop: sh, found: found, until: now.Add(CacheFor)}
	r.mu.Unlock()
	return sh, found, nil
}

// ready resolves a stored shop's secrets and parses its window and zone.
// A reference to a secret that does not exist is skipped (it may be the
// retired half of a rotation); a shop with no readable secret at all is a
// configuration error.
func (r *Registry) ready(ctx context.Context, sh thankyou.Shop) (Shop, error) {
	w, err := polite.ParseWindow(sh.WindowStart, sh.WindowEnd, sh.Days)
	if err != nil {
		return Shop{}, fmt.Errorf("shop %s:%s: send window: %w", sh.Source, sh.ID, err)
	}
	zone, err := time.LoadLocation(sh.TimeZone)
	if err != nil {
		return Shop{}, fmt.Errorf("shop %s:%s: time zone %q: %w", sh.Source, sh.ID, sh.TimeZone, err)
	}
	out := Shop{Shop: sh, Window: w, Zone: zone}
	if out.Language == "" {
		out.Language = r.language
	}
	if out.MaxWait <= 0 {
		out.MaxWait = cmp.Or(r.maxWait, thankyou.DefaultMaxWait)
	}
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
