package operator_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// `privacy list` shows the erasure requests, pending and done, without the
// customer's data.
func TestPrivacyListShowsPendingAndFinishedRequests(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if err := store.RequestErasure(ctx, thankyou.Erasure{Source: thankyou.SourceShopify, Shop: "gone.myshopify.com", Kind: thankyou.DeliveryShopRedact}, at); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CarryOutPrivacyRequests(ctx, at.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := store.RequestErasure(ctx, thankyou.Erasure{Source: thankyou.SourceShopify, Shop: "shop-a.myshopify.com", Kind: thankyou.DeliveryCustomerRedact, Customer: thankyou.Customer{Phones: []string{"+12125550123"}, Emails: []string{"jane.doe@example.com"}}}, at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := run(t, tool, "privacy list"); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"gone.myshopify.com", "shop", "done", "shop-a.myshopify.com", "customer", "pending"} {
		if !strings.Contains(text, want) {
			t.Errorf("privacy list does not show %q:\n%s", want, text)
		}
	}
	for _, personal := range []string{"2125550123", "jane"} {
		if strings.Contains(strings.ToLower(text), personal) {
			t.Errorf("privacy list shows personal data %q:\n%s", personal, text)
		}
	}
	out.Reset()
	if err := run(t, tool, "privacy list --pending --json"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if len(rows) != 1 || rows[0]["state"] != "pending" || rows[0]["shop"] != "shop-a.myshopify.com" {
		t.Errorf("--pending --json = %v, want the one pending request", rows)
	}
}

// A shop erased on its request is listed as erased, with nothing of its
// settings.
func TestAnErasedShopIsListedAsErased(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	if err := run(t, tool, "shops put --source shopify --id gone.myshopify.com --name Gone --secret-ref env:G --channel staff --staff-phone +12125550199"); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	if err := store.RequestErasure(ctx, thankyou.Erasure{Source: thankyou.SourceShopify, Shop: "gone.myshopify.com", Kind: thankyou.DeliveryShopRedact}, at); err != nil {
		t.Fatal(err)
	}
	if _, err := store.CarryOutPrivacyRequests(ctx, at); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(t, tool, "shops list"); err != nil {
		t.Fatal(err)
	}
	if text := out.String(); !strings.Contains(text, "gone.myshopify.com") || !strings.Contains(text, "(erased 2026-11-23)") || strings.Contains(text, "Gone") {
		t.Errorf("shops list:\n%s\nwant the shop listed as erased, without its name", text)
	}
}
