package operator_test

import (
	"context"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Platform ids are kept exactly as the platform sends them: Stripe's
// account ids are mixed case. Only ids the platform says are
// case-insensitive (Shopify's shop domains, WooCommerce's site hosts, the
// generic source's shop keys) are lower-cased, as the order webhook does.
func TestShopIDsAreKeptAsThePlatformSendsThem(t *testing.T) {
	tool, _, store := newTool(t)
	ctx := context.Background()
	for _, line := range []string{
		"shops put --source stripe --id acct_1AbCdEfGh --name Connected --secret-ref env:S",
		"shops put --source shopify --id Shop-A.myshopify.com --name ShopA --secret-ref env:A",
		"staff put --source stripe --shop acct_1AbCdEfGh --id ana --name Ana --phone +12125550101",
	} {
		if err := run(t, tool, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	if _, err := store.GetShop(ctx, thankyou.SourceStripe, "acct_1AbCdEfGh"); err != nil {
		t.Errorf("the Stripe account as sent: %v", err)
	}
	if _, err := store.GetShop(ctx, thankyou.SourceShopify, "shop-a.myshopify.com"); err != nil {
		t.Errorf("the Shopify domain, lower-cased: %v", err)
	}
	if roster, err := store.ListStaff(ctx, thankyou.SourceStripe, "acct_1AbCdEfGh"); err != nil || len(roster) != 1 {
		t.Errorf("the connected account's roster: %d members, %v", len(roster), err)
	}

	task := pendingTask("pi_1", time.Date(2026, 11, 20, 15, 0, 0, 0, time.UTC), time.Date(2026, 11, 24, 15, 0, 0, 0, time.UTC))
	task.Order.Source, task.Order.Shop = thankyou.SourceStripe, "acct_1AbCdEfGh"
	task.ID = task.Order.TaskID()
	if _, err := store.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if err := run(t, tool, "customers erase --source stripe --shop acct_1AbCdEfGh --phone "+task.Order.Phone+" --yes"); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetTask(ctx, task.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Recipient != "" || got.Order.Phone != "" || got.Order.CustomerName != "" {
		t.Errorf("after customers erase at the connected account: recipient %q, phone %q, name %q; want all erased",
			got.Recipient, got.Order.Phone, got.Order.CustomerName)
	}
}
