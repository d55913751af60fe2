package dynamo_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestRecordEventDedupes(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	steps := []struct {
		name   string
		source thankyou.Source
		shop   string
		id     string
		at     time.Time
		want   bool
	}{
		{"first delivery", thankyou.SourceShopify, testShop, "evt-1", t0, true},
		{"redelivery", thankyou.SourceShopify, testShop, "evt-1", t0.Add(time.Hour), false},
		{"another event", thankyou.SourceShopify, testShop, "evt-2", t0, true},
		{"same id at another shop", thankyou.SourceShopify, "other.myshopify.com", "evt-1", t0, true},
		{"same id from another source", thankyou.SourceStripe, testShop, "evt-1", t0, true},
		{"same id without a shop", thankyou.SourceShopify, "", "evt-1", t0, true},
		{"shop whose name holds the separator", thankyou.SourceShopify, testShop + ":evt", "1", t0, true},
		{"redelivery a day before the record expires", thankyou.SourceShopify, testShop, "evt-1", t0.Add(dynamo.EventRetention - 24*time.Hour), false},
		{"redelivery the second the record expires", thankyou.SourceShopify, testShop, "evt-1", t0.Add(dynamo.EventRetention), false},
		{"delivery after the record expired", thankyou.SourceShopify, testShop, "evt-1", t0.Add(dynamo.EventRetention + time.Second), true},
		{"redelivery of a very long id", thankyou.SourceGeneric, testShop, strings.Repeat("x", 3000), t0, true},
		{"redelivery of a very long id again", thankyou.SourceGeneric, testShop, strings.Repeat("x", 3000), t0, false},
		{"no event id", thankyou.SourceShopify, testShop, "", t0, true},
		{"no event id again", thankyou.SourceShopify, testShop, "", t0, true},
	}
	for _, st := range steps {
		first, err := e.store.RecordEvent(ctx, st.source, st.shop, st.id, st.at)
		if err != nil || first != st.want {
			t.Errorf("%s: RecordEvent = %v, %v; want %v, nil", st.name, first, err, st.want)
		}
	}
	events := 0
	for _, item := range e.scanAll(t) {
		if strAttr(item, "sk") == "EVENT" {
			events++
		}
	}
	if got, want := events, 7; got != want {
		t.Errorf("%d event items, want %d (none for an empty id)", got, want)
	}
}

func TestRecordEventDedupes20ConcurrentDeliveries(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	var firsts atomic.Int64
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			first, err := e.store.RecordEvent(context.Background(), thankyou.SourceShopify, testShop, "evt-1", t0)
			if err != nil {
				t.Errorf("RecordEvent: %v", err)
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	if got := firsts.Load(); got != 1 {
		t.Errorf("%d of 20 concurrent deliveries were first, want 1", got)
	}
}

func TestSeenEventAfterRecordEvent(t *testing.T) {
	s := newEnv(t, dynamo.Options{}).store
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)
	if seen, err := s.SeenEvent(ctx, thankyou.SourceShopify, "a.myshopify.com", "wh-1", now); err != nil || seen {
		t.Fatalf("before recording: seen = %v, %v; want false", seen, err)
	}
	if _, err := s.RecordEvent(ctx, thankyou.SourceShopify, "a.myshopify.com", "wh-1", now); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		shop, id string
		at       time.Time
		want     bool
	}{
		{"a.myshopify.com", "wh-1", now, true},
		{"b.myshopify.com", "wh-1", now, false},                          // another shop's event of the same id
		{"a.myshopify.com", "wh-2", now, false},                          // another event
		{"a.myshopify.com", "", now, false},                              // no id: never seen
		{"a.myshopify.com", "wh-1", now.Add(31 * 24 * time.Hour), false}, // expired
	} {
		if seen, err := s.SeenEvent(ctx, thankyou.SourceShopify, tc.shop, tc.id, tc.at); err != nil || seen != tc.want {
			t.Errorf("SeenEvent(%s, %q, %s) = %v, %v; want %v", tc.shop, tc.id, tc.at.Format(time.DateOnly), seen, err, tc.want)
		}
	}
}
