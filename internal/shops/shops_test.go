package shops_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/secret"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

func registry(t *testing.T, env map[string]string, secrets map[string]string) (*shops.Registry, *dynamo.Store) {
	t.Helper()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table, dynamo.Options{})
	env["TABLE_NAME"] = table
	cfg, err := config.LoadOrderWebhook(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	r := &secret.Resolver{Getenv: func(k string) string { return secrets[k] }}
	reg, err := shops.FromConfig(context.Background(), cfg, r, store, store, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return reg, store
}

func stored(id string, refs ...string) thankyou.Shop {
	return thankyou.Shop{Source: thankyou.SourceShopify, ID: id, Name: "Stored " + id, SecretRefs: refs, TimeZone: "Europe/Paris",
		DefaultCountry: "FR", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("09:00-18:00 Mon-Sat"),
		Delay: 48 * time.Hour, ExpireAfter: 24 * time.Hour}
}

func TestStoredShopComesFirstThenTheEnvironmentsShop(t *testing.T) {
	reg, store := registry(t, map[string]string{"SHOPIFY_WEBHOOK_SECRET": "env-secret"}, map[string]string{"A_OLD": "old", "A_NEW": "new"})
	ctx := context.Background()
	// The retired half of a rotation may be gone: it is skipped.
	if err := store.PutShop(ctx, stored("a.myshopify.com", "env:A_GONE", "env:A_OLD", "env:A_NEW"), time.Now()); err != nil {
		t.Fatal(err)
	}
	a, err := reg.Shop(ctx, thankyou.SourceShopify, "a.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != "Stored a.myshopify.com" || a.Zone.String() != "Europe/Paris" || len(a.Secrets) != 2 || a.Window.String() != "09:00-18:00 Mon,Tue,Wed,Thu,Fri,Sat" {
		t.Errorf("stored shop = %q in %s, %d secrets, window %s", a.Name, a.Zone, len(a.Secrets), a.Window)
	}
	b, err := reg.Shop(ctx, thankyou.SourceShopify, "b.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if b.ID != "b.myshopify.com" || len(b.Secrets) != 1 || string(b.Secrets[0]) != "env-secret" {
		t.Errorf("environment shop = %+v, want the env secret for any other shop", b.Shop)
	}
	if _, err := reg.Shop(ctx, thankyou.SourceStripe, "acct_1"); thankyou.ErrorCode(err) != thankyou.EUNAUTHORIZED {
		t.Errorf("unconfigured source: %v, want unauthorized (unknown shop)", err)
	}
}

func TestStoredShopWithoutAReadableSecretIsAConfigurationError(t *testing.T) {
	reg, store := registry(t, map[string]string{"GENERIC_WEBHOOK_SECRET": "g"}, nil)
	ctx := context.Background()
	if err := store.PutShop(ctx, stored("c.myshopify.com", "env:NOWHERE"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Shop(ctx, thankyou.SourceShopify, "c.myshopify.com"); thankyou.ErrorCode(err) != thankyou.EINTERNAL {
		t.Errorf("shop with no readable secret: %v, want an internal (configuration) error", err)
	}
}

func TestStoredShopSettingsAreCachedForAMinute(t *testing.T) {
	reg, store := registry(t, map[string]string{"SHOPIFY_WEBHOOK_SECRET": "env-secret"}, map[string]string{"A": "a"})
	ctx := context.Background()
	if err := store.PutShop(ctx, stored("a.myshopify.com", "env:A"), time.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Shop(ctx, thankyou.SourceShopify, "a.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	// Deleted in the table: a warm function keeps the settings it read for
	// up to shops.CacheFor.
	if err := store.DeleteShop(ctx, thankyou.SourceShopify, "a.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	got, err := reg.Shop(ctx, thankyou.SourceShopify, "a.myshopify.com")
	if err != nil || got.Name != "Stored a.myshopify.com" {
		t.Errorf("right after the change: %q, %v; want the cached settings", got.Name, err)
	}
}
