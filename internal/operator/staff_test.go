package operator_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const staffShop = "a.myshopify.com"

func TestStaffCanBeStoredListedAndDeleted(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	if err := run(t, tool, "shops put --source shopify --id A.myshopify.com --name A --secret-ref /thankyou/shops/a --time-zone Europe/Paris --country FR"); err != nil {
		t.Fatal(err)
	}
	puts := [][]string{
		{"staff", "put", "--source", "shopify", "--shop", "A.myshopify.com", "--id", "Ana", "--name", "Ana Lima", "--phone", "(212) 555-0101"},
		{"staff", "put", "--source", "shopify", "--shop", staffShop, "--id", "bo", "--name", "Bo", "--phone", "06 12 34 56 78", "--country", "FR",
			"--time-zone", "America/New_York", "--hours", "10:00-18:30", "--days", "Tue,Thu", "--active=false"},
	}
	for _, args := range puts {
		out.Reset()
		if err := tool.Run(ctx, args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if strings.Contains(out.String(), "555") || strings.Contains(out.String(), "12345") {
			t.Errorf("put confirmation shows the phone in clear: %s", out)
		}
	}
	ana, err := store.GetStaff(ctx, thankyou.SourceShopify, staffShop, "ana")
	if err != nil {
		t.Fatal(err)
	}
	want := thankyou.StaffMember{Source: thankyou.SourceShopify, ShopID: staffShop, ID: "ana", Name: "Ana Lima", Phone: "+12125550101",
		TimeZone: "Europe/Paris", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true}
	if ana != want {
		t.Errorf("stored ana = %+v, want %+v (phone normalised, the shop's zone, default hours)", ana, want)
	}
	bo, err := store.GetStaff(ctx, thankyou.SourceShopify, staffShop, "bo")
	if err != nil {
		t.Fatal(err)
	}
	if bo.Phone != "+33612345678" || bo.TimeZone != "America/New_York" || bo.Hours.String() != "10:00-18:30 Tue,Thu" || bo.Active {
		t.Errorf("stored bo = %+v", bo)
	}

	out.Reset()
	if err := run(t, tool, "staff list --source shopify --shop a.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"ana", "+1********01", "Europe/Paris", "09:00-17:00 Mon,Tue,Wed,Thu,Fri", "bo", "+3********78", "10:00-18:30 Tue,Thu", "2 staff"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("list lacks %q:\n%s", w, out)
		}
	}
	for _, n := range []string{"2125550101", "612345678", "Ana Lima"} {
		if strings.Contains(out.String(), n) {
			t.Errorf("list shows %q:\n%s", n, out)
		}
	}

	out.Reset()
	if err := run(t, tool, "staff list --source shopify --shop a.myshopify.com --json"); err != nil {
		t.Fatal(err)
	}
	var views []map[string]any
	if err := json.Unmarshal(out.Bytes(), &views); err != nil || len(views) != 2 {
		t.Fatalf("list --json = %s (%v)", out, err)
	}
	if views[0]["id"] != "ana" || views[0]["phone"] != "+1********01" || views[0]["active"] != true || views[1]["active"] != false {
		t.Errorf("list --json = %s", out)
	}
	if strings.Contains(out.String(), "2125550101") || strings.Contains(out.String(), "Lima") {
		t.Errorf("list --json shows personal data:\n%s", out)
	}

	if err := run(t, tool, "staff delete --source shopify --shop a.myshopify.com --id ana"); err != nil {
		t.Fatal(err)
	}
	if list, _ := store.ListStaff(ctx, thankyou.SourceShopify, staffShop); len(list) != 1 || list[0].ID != "bo" {
		t.Errorf("after delete: %+v, want bo alone", list)
	}
	err = run(t, tool, "staff delete --source shopify --shop a.myshopify.com --id ana")
	if err == nil || !strings.Contains(err.Error(), "staff list --source shopify --shop a.myshopify.com") {
		t.Errorf("second delete: %v, want not found pointing at `staff list`", err)
	}

	out.Reset()
	if err := run(t, tool, "staff list --source shopify --shop other.myshopify.com"); err != nil || !strings.Contains(out.String(), "No staff stored") {
		t.Errorf("empty list: %q, %v", out, err)
	}
}

func TestBadStaffSettingsSayWhatToFixAndStoreNothing(t *testing.T) {
	base := []string{"staff", "put", "--source", "shopify", "--shop", staffShop, "--name", "Ana"}
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"--id", "ana", "--time-zone", "UTC"}, "--phone: no phone number"},
		{[]string{"--id", "ana", "--time-zone", "UTC", "--phone", "12"}, "--phone"},
		{[]string{"--id", "ana", "--time-zone", "UTC", "--phone", "06 12 34 56 78"}, "--country"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101"}, "--time-zone is required"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "Mars/Base"}, "--time-zone \"Mars/Base\""},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "Local"}, "--time-zone \"Local\""},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--hours", "9-17"}, "--hours"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--hours", "22:00-23:00"}, "--hours/--days"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--days", "Someday"}, "--hours/--days"},
		{[]string{"--phone", "(212) 555-0101", "--time-zone", "UTC"}, "--id"},
		{[]string{"--id", "ana#1", "--phone", "(212) 555-0101", "--time-zone", "UTC"}, "--id"},
		{[]string{"--id", strings.Repeat("a", 33), "--phone", "(212) 555-0101", "--time-zone", "UTC"}, "--id"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--shop", ""}, "--shop is required"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--name", " "}, "--name is required"},
		{[]string{"--id", "ana", "--phone", "(212) 555-0101", "--time-zone", "UTC", "--source", "magento"}, "magento"},
	} {
		t.Run(tc.says, func(t *testing.T) {
			tool, _, store := newTool(t)
			err := tool.Run(context.Background(), append(append([]string{}, base...), tc.args...))
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("%v: %v, want an error saying %q", tc.args, err, tc.says)
			}
			if strings.Contains(err.Error(), "5550101") {
				t.Errorf("error shows the phone in clear: %v", err)
			}
			if list, _ := store.ListStaff(context.Background(), thankyou.SourceShopify, staffShop); len(list) != 0 {
				t.Errorf("a refused put stored %d members", len(list))
			}
		})
	}
}

func TestStaffCommandsNeedTheirShop(t *testing.T) {
	tool, _, _ := newTool(t)
	for _, line := range []string{"staff list --source shopify", "staff list --shop a", "staff delete --source shopify --id ana", "staff frobnicate", "staff list --source shopify --shop a extra"} {
		if err := run(t, tool, line); !errors.Is(err, operator.ErrUsage) {
			t.Errorf("%q: %v, want a usage error", line, err)
		}
	}
}
