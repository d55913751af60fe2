package dynamo_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Concurrent first deliveries under different shop ids agree on one: the
// first recorded, for ever after, per source.
func TestTheFirstLearntShopIDStays(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]string, 10)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := e.store.LearnShopID(ctx, thankyou.SourceShopify, fmt.Sprintf("shop-%d.myshopify.com", i), t0)
			if err != nil {
				t.Error(err)
			}
			got[i] = id
		}()
	}
	wg.Wait()
	for _, id := range got {
		if id != got[0] || id == "" {
			t.Fatalf("learnt ids %q, want one", got)
		}
	}
	if id, err := e.store.LearnShopID(ctx, thankyou.SourceShopify, "later.myshopify.com", t0); err != nil || id != got[0] {
		t.Errorf("later: %q, %v; want %q", id, err, got[0])
	}
	if id, err := e.store.LearnShopID(ctx, thankyou.SourceStripe, "acct_1AbC", t0); err != nil || id != "acct_1AbC" {
		t.Errorf("another source: %q, %v; want its own first id", id, err)
	}
}

// One BatchGetItem tells a shop's stored settings and the source's learnt
// id, each found or not, and the learnt id of one source is not another's.
func TestShopAndLearntIDAreReadTogether(t *testing.T) {
	for _, tc := range []struct {
		name            string
		storeShop       bool
		learn           string // the id learnt for Shopify first ("": none)
		learnOther      bool   // an id learnt for Stripe (not the source read)
		wantFound       bool
		wantLearnt      thankyou.LearntShopID
		wantShopName    string
		wantClaimResult string // ClaimShopID("claimed.myshopify.com") afterwards
	}{
		{name: "nothing stored", wantClaimResult: "claimed.myshopify.com"},
		{name: "another source's id only", learnOther: true, wantClaimResult: "claimed.myshopify.com"},
		{name: "learnt only", learn: "a.myshopify.com", wantLearnt: thankyou.LearntShopID{ID: "a.myshopify.com", Found: true}, wantClaimResult: "a.myshopify.com"},
		{name: "shop only", storeShop: true, wantFound: true, wantShopName: "Stored", wantClaimResult: "claimed.myshopify.com"},
		{name: "both", storeShop: true, learn: "a.myshopify.com", wantFound: true, wantShopName: "Stored",
			wantLearnt: thankyou.LearntShopID{ID: "a.myshopify.com", Found: true}, wantClaimResult: "a.myshopify.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, dynamo.Options{})
			ctx := context.Background()
			if tc.storeShop {
				sh := thankyou.Shop{Source: thankyou.SourceShopify, ID: "s.myshopify.com", Name: "Stored", TimeZone: "Europe/Paris",
					DefaultCountry: "FR", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("09:00-18:00 Mon-Sat")}
				if err := e.store.PutShop(ctx, sh, t0); err != nil {
					t.Fatal(err)
				}
			}
			if tc.learn != "" {
				if _, err := e.store.LearnShopID(ctx, thankyou.SourceShopify, tc.learn, t0); err != nil {
					t.Fatal(err)
				}
			}
			if tc.learnOther {
				if _, err := e.store.LearnShopID(ctx, thankyou.SourceStripe, "acct_1AbC", t0); err != nil {
					t.Fatal(err)
				}
			}
			sh, found, learnt, err := e.store.GetShopAndLearntID(ctx, thankyou.SourceShopify, "s.myshopify.com")
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.wantFound || sh.Name != tc.wantShopName || learnt != tc.wantLearnt {
				t.Errorf("shop %q found %v, learnt %+v; want %q, %v, %+v", sh.Name, found, learnt, tc.wantShopName, tc.wantFound, tc.wantLearnt)
			}
			// A claim records the id only when none was learnt; else it
			// returns the learnt one.
			got, err := e.store.ClaimShopID(ctx, thankyou.SourceShopify, "claimed.myshopify.com", t0)
			if err != nil || got != tc.wantClaimResult {
				t.Errorf("claim: %q, %v; want %q", got, err, tc.wantClaimResult)
			}
		})
	}
}
