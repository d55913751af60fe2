package shops_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// calls is the real store on dynalite, counting the registry's calls of
// each of its methods (each is one request when nothing is refused).
type calls struct {
	*dynamo.Store
	mu sync.Mutex
	n  map[string]int
}

func (c *calls) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n[name]++
}

func (c *calls) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.n
	c.n = map[string]int{}
	return n
}

func (c *calls) GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error) {
	c.count("GetShop")
	return c.Store.GetShop(ctx, source, id)
}

func (c *calls) GetShopAndLearntID(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, bool, thankyou.LearntShopID, error) {
	c.count("GetShopAndLearntID")
	return c.Store.GetShopAndLearntID(ctx, source, id)
}

func (c *calls) LearnShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
	c.count("LearnShopID")
	return c.Store.LearnShopID(ctx, source, id, now)
}

func (c *calls) ClaimShopID(ctx context.Context, source thankyou.Source, id string, now time.Time) (string, error) {
	c.count("ClaimShopID")
	return c.Store.ClaimShopID(ctx, source, id, now)
}

// countedRegistry is a new instance's registry on table, with env's
// settings, its store calls counted.
func countedRegistry(t *testing.T, table string, env map[string]string) (*shops.Registry, *calls) {
	t.Helper()
	env = maps.Clone(env)
	if env == nil {
		env = map[string]string{}
	}
	env["TABLE_NAME"] = table
	env["SHOPIFY_WEBHOOK_SECRET"] = "env-secret"
	cfg, err := config.LoadOrderWebhook(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	c := &calls{Store: dynamo.New(dynamotest.NewClient(t), table, dynamo.Options{}), n: map[string]int{}}
	reg, err := shops.FromConfig(context.Background(), cfg, &secret.Resolver{}, c, c, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return reg, c
}

// A cold instance's first delivery reads the shop's settings and the
// learnt shop id with one request; admitting it then costs none, or one
// conditional write (no read) when the deployment learns its first id.
func TestAColdInstanceReadsTheShopAndTheLearntIDTogether(t *testing.T) {
	const shop = "a.myshopify.com"
	for _, tc := range []struct {
		name       string
		env        map[string]string
		learnt     string // learnt before the instance started ("": none)
		shopID     string // the delivery's
		wantAdmit  bool
		wantShop   map[string]int // calls of Shop
		wantAdmitN map[string]int // calls of Admit
	}{
		{"learnt, same id", nil, shop, shop, true,
			map[string]int{"GetShopAndLearntID": 1}, map[string]int{}},
		{"learnt, another id", nil, shop, "b.myshopify.com", false,
			map[string]int{"GetShopAndLearntID": 1}, map[string]int{}},
		{"the deployment's first delivery", nil, "", shop, true,
			map[string]int{"GetShopAndLearntID": 1}, map[string]int{"ClaimShopID": 1}},
		{"SHOP_IDS: nothing to learn", map[string]string{"SHOP_IDS": "shopify:" + shop}, "", shop, true,
			map[string]int{"GetShop": 1}, map[string]int{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			client, table := dynamotest.NewTable(t)
			if tc.learnt != "" {
				if _, err := dynamo.New(client, table, dynamo.Options{}).LearnShopID(ctx, thankyou.SourceShopify, tc.learnt, time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			reg, c := countedRegistry(t, table, tc.env)
			sh, err := reg.Shop(ctx, thankyou.SourceShopify, tc.shopID)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.take(); !maps.Equal(got, tc.wantShop) {
				t.Errorf("Shop called %v, want %v", got, tc.wantShop)
			}
			err = reg.Admit(ctx, sh, tc.shopID)
			if admitted := err == nil; admitted != tc.wantAdmit {
				t.Errorf("Admit: %v, want admitted %v", err, tc.wantAdmit)
			}
			if got := c.take(); !maps.Equal(got, tc.wantAdmitN) {
				t.Errorf("Admit called %v, want %v", got, tc.wantAdmitN)
			}
			// Warm: nothing more is read for the same delivery.
			if sh, err = reg.Shop(ctx, thankyou.SourceShopify, tc.shopID); err == nil {
				_ = reg.Admit(ctx, sh, tc.shopID)
			}
			if got := c.take(); len(got) != 0 {
				t.Errorf("warm: %v, want no call", got)
			}
		})
	}
}

// Unsigned requests naming made-up shops, on a deployment that learnt no
// id yet, cost one request each; the learnt id is asked with the first
// and then not again for MissCacheFor.
func TestUnsignedRequestsDoNotReadTheMissingLearntIDAgainAndAgain(t *testing.T) {
	ctx := context.Background()
	_, table := dynamotest.NewTable(t)
	reg, c := countedRegistry(t, table, nil)
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	shops.SetClock(reg, func() time.Time { return now })
	const n = 50
	for i := range n {
		if _, err := reg.Shop(ctx, thankyou.SourceShopify, fmt.Sprintf("made-up-%02d.myshopify.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int{"GetShopAndLearntID": 1, "GetShop": n - 1}
	if got := c.take(); !maps.Equal(got, want) {
		t.Errorf("%d unsigned requests: %v, want %v", n, got, want)
	}
	now = now.Add(shops.MissCacheFor)
	if _, err := reg.Shop(ctx, thankyou.SourceShopify, "another.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	if got, want := c.take(), map[string]int{"GetShopAndLearntID": 1}; !maps.Equal(got, want) {
		t.Errorf("after MissCacheFor: %v, want %v (the learnt id asked again)", got, want)
	}
}
