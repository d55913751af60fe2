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
