package operator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestShopsPutStoresTheStaffPhonesHours(t *testing.T) {
	tool, out, store := newTool(t)
	base := "shops put --source shopify --id a.myshopify.com --name A --secret-ref /thankyou/shops/a --channel staff --staff-phone (212)555-0199"
	if err := run(t, tool, base+" --staff-hours 10:00-16:00 --staff-days Mon-Sat"); err != nil {
		t.Fatal(err)
	}
	sh, err := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if sh.StaffHours.String() != "10:00-16:00 Mon,Tue,Wed,Thu,Fri,Sat" {
		t.Errorf("staff hours = %q, want 10:00-16:00 Mon-Sat", sh.StaffHours)
	}
	out.Reset()
	if err := run(t, tool, "shops get --source shopify --id a.myshopify.com --json"); err != nil || !strings.Contains(out.String(), `"staffHours": "10:00-16:00 Mon,Tue,Wed,Thu,Fri,Sat"`) {
		t.Errorf("shops get --json = %s (%v), want the staff hours", out, err)
	}
	if err := run(t, tool, base+" --staff-hours 22:00-23:00"); err == nil || !strings.Contains(err.Error(), "--staff-hours") {
		t.Errorf("staff hours outside the legal hours: %v, want refused", err)
	}
	// shops put changes only what it is given: the hours stay, and an
	// empty --staff-hours gives the deployment's back.
	if err := run(t, tool, base); err != nil {
		t.Fatal(err)
	}
	if sh, _ := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com"); sh.StaffHours.String() != "10:00-16:00 Mon,Tue,Wed,Thu,Fri,Sat" {
		t.Errorf("without --staff-hours: %q, want them kept", sh.StaffHours)
	}
	if err := run(t, tool, base+` --staff-hours=`); err != nil {
		t.Fatal(err)
	}
	if sh, _ := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com"); !sh.StaffHours.IsZero() {
		t.Errorf("with an empty --staff-hours: %q, want the deployment's (empty)", sh.StaffHours)
	}
}
