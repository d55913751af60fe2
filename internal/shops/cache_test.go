package shops_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// countingStore holds no shop and counts the reads made of it.
type countingStore struct{ reads atomic.Int64 }

func (c *countingStore) GetShop(context.Context, thankyou.Source, string) (thankyou.Shop, error) {
	c.reads.Add(1)
	return thankyou.Shop{}, thankyou.Errorf(thankyou.ENOTFOUND, "no such shop")
}

func countingRegistry(t *testing.T) (*shops.Registry, *countingStore, *time.Time) {
	t.Helper()
	cfg, err := config.LoadOrderWebhook(func(k string) string {
		return map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "env-secret"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	store := &countingStore{}
	reg, err := shops.FromConfig(context.Background(), cfg, &secret.Resolver{}, store, nil, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	shops.SetClock(reg, func() time.Time { return now })
	return reg, store, &now
}

// 100,000 made-up shop ids cost one read each and leave a cache of at
// most MaxCached entries behind; one id asked again and again costs one
// read per MissCacheFor.
func TestUnsignedShopIDsCostOneReadAndBoundedMemory(t *testing.T) {
	reg, store, now := countingRegistry(t)
	ctx := context.Background()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 100_000
	for i := range n {
		if _, err := reg.Shop(ctx, thankyou.SourceShopify, fmt.Sprintf("made-up-%06d.myshopify.com", i)); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if got := store.reads.Load(); got != n {
		t.Errorf("%d reads for %d unsigned shop ids, want one each", got, n)
	}
	if got := shops.CacheLen(reg); got > shops.MaxCached {
		t.Errorf("the cache holds %d shop ids, want at most %d", got, shops.MaxCached)
	}
	if grown := int64(after.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Errorf("the heap grew by %d KiB for %d unsigned shop ids, want the cache bounded", grown>>10, n)
	}
	runtime.KeepAlive(reg)

	store.reads.Store(0)
	for range 1000 {
		if _, err := reg.Shop(ctx, thankyou.SourceShopify, "again.myshopify.com"); err != nil {
			t.Fatal(err)
		}
	}
	if got := store.reads.Load(); got != 1 {
		t.Errorf("%d reads for one id asked 1000 times, want 1", got)
	}
	*now = now.Add(shops.MissCacheFor + time.Second)
	if _, err := reg.Shop(ctx, thankyou.SourceShopify, "again.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	if got := store.reads.Load(); got != 2 {
		t.Errorf("%d reads after the miss was forgotten, want 2 (a shop just added is found soon)", got)
	}
}
