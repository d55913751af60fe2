package dynamo_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func staffMember(shop, id, phone string) thankyou.StaffMember {
	return thankyou.StaffMember{
		Source: thankyou.SourceShopify, ShopID: shop, ID: id, Name: "Member " + id, Phone: phone,
		TimeZone: "America/New_York", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true,
	}
}

func TestStaffMembersAreStoredReadAndListedPerShop(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	bo := staffMember(testShop, "bo", "+12125550102")
	bo.Active = false
	bo.TimeZone, bo.Hours = "Europe/Paris", thankyou.MustWindow("10:00-18:30 Tue,Thu")
	members := []thankyou.StaffMember{
		staffMember(testShop, "cy", "+12125550103"),
		staffMember(testShop, "ana", "+12125550101"),
		bo,
		staffMember("other.myshopify.com", "ana", "+12125550199"),
		staffMember(testShop+"#x", "dee", "+12125550104"),
		{Source: thankyou.SourceWooCommerce, ShopID: testShop, ID: "eve", Phone: "+12125550105", Active: true},
	}
	for _, m := range members {
		if err := e.store.PutStaff(ctx, m, t0); err != nil {
			t.Fatalf("put %s: %v", m.ID, err)
		}
	}
	if err := e.store.PutShop(ctx, thankyou.Shop{Source: thankyou.SourceShopify, ID: testShop, Name: "Shop"}, t0); err != nil {
		t.Fatal(err)
	}

	got, err := e.store.GetStaff(ctx, thankyou.SourceShopify, testShop, "bo")
	if err != nil || !reflect.DeepEqual(got, bo) {
		t.Errorf("GetStaff(bo) = %+v, %v; want %+v", got, err, bo)
	}

	list, err := e.store.ListStaff(ctx, thankyou.SourceShopify, testShop)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, m := range list {
		ids = append(ids, m.ID)
	}
	if want := []string{"ana", "bo", "cy"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("ListStaff = %v, want %v (this shop's members only, by id)", ids, want)
	}
	if len(list) == 3 && list[0].Phone != "+12125550101" {
		t.Errorf("ana's phone = %q", list[0].Phone)
	}

	shops, err := e.store.ListShops(ctx)
	if err != nil || len(shops) != 1 {
		t.Errorf("ListShops = %d shops, %v; want the one shop, no staff", len(shops), err)
	}

	for _, it := range e.scanAll(t) {
		for _, k := range []string{"pk", "sk"} {
			if strings.Contains(strAttr(it, k), "555") {
				t.Errorf("key %s = %q holds a phone number", k, strAttr(it, k))
			}
		}
	}
}

func TestPutStaffReplacesTheEarlierRecord(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	m := staffMember(testShop, "ana", "+12125550101")
	if err := e.store.PutStaff(ctx, m, t0); err != nil {
		t.Fatal(err)
	}
	m.Active, m.Phone = false, "+12125550109"
	if err := e.store.PutStaff(ctx, m, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	list, err := e.store.ListStaff(ctx, m.Source, m.ShopID)
	if err != nil || len(list) != 1 || !reflect.DeepEqual(list[0], m) {
		t.Errorf("ListStaff = %+v, %v; want only %+v", list, err, m)
	}
}

func TestPutStaffRefusesAMemberWithoutKeys(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	for _, m := range []thankyou.StaffMember{
		{ShopID: testShop, ID: "ana"},
		{Source: thankyou.SourceShopify, ID: "ana"},
		{Source: thankyou.SourceShopify, ShopID: testShop},
		{Source: thankyou.SourceShopify, ShopID: testShop, ID: "a#b"},
	} {
		err := e.store.PutStaff(context.Background(), m, t0)
		if got, want := thankyou.ErrorCode(err), thankyou.EINVALID; got != want {
			t.Errorf("PutStaff(%+v) code = %q, want %q", m, got, want)
		}
	}
	if n := len(e.scanAll(t)); n != 0 {
		t.Errorf("%d items stored, want none", n)
	}
}

func TestDeletedStaffMembersAreGoneAndUnknownOnesNotFound(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	for _, id := range []string{"ana", "bo"} {
		if err := e.store.PutStaff(ctx, staffMember(testShop, id, "+12125550101"), t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.DeleteStaff(ctx, thankyou.SourceShopify, testShop, "ana"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.GetStaff(ctx, thankyou.SourceShopify, testShop, "ana"); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("GetStaff after delete: %v, want ENOTFOUND", err)
	}
	if err := e.store.DeleteStaff(ctx, thankyou.SourceShopify, testShop, "ana"); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("second DeleteStaff: %v, want ENOTFOUND", err)
	}
	list, err := e.store.ListStaff(ctx, thankyou.SourceShopify, testShop)
	if err != nil || len(list) != 1 || list[0].ID != "bo" {
		t.Errorf("ListStaff after delete = %+v, %v; want bo alone", list, err)
	}
}

func TestDeleteShopStaffRemovesTheWholeRosterOnly(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	for _, m := range []thankyou.StaffMember{
		staffMember(testShop, "ana", "+12125550101"),
		staffMember(testShop, "bo", "+12125550102"),
		staffMember("other.myshopify.com", "cy", "+12125550103"),
	} {
		if err := e.store.PutStaff(ctx, m, t0); err != nil {
			t.Fatal(err)
		}
	}
	n, err := e.store.DeleteShopStaff(ctx, thankyou.SourceShopify, testShop)
	if err != nil || n != 2 {
		t.Errorf("DeleteShopStaff = %d, %v; want 2, nil", n, err)
	}
	if list, _ := e.store.ListStaff(ctx, thankyou.SourceShopify, testShop); len(list) != 0 {
		t.Errorf("%d members left", len(list))
	}
	if list, _ := e.store.ListStaff(ctx, thankyou.SourceShopify, "other.myshopify.com"); len(list) != 1 {
		t.Errorf("other shop has %d members, want 1", len(list))
	}
}
