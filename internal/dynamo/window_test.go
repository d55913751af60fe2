package dynamo_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestWindowsRoundTripThroughItems: a shop's window and staff hours, a
// member's shift and a task's window come back from their items as they
// went in; an erased shop's (none) comes back as none.
func TestWindowsRoundTripThroughItems(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	sh := thankyou.Shop{Source: thankyou.SourceShopify, ID: testShop, Name: "Shop", TimeZone: "Europe/Paris",
		Window: thankyou.MustWindow("09:30-18:00 Sat-Mon"), StaffHours: thankyou.MustWindow("10:00-16:00 Tue,Thu")}
	if err := e.store.PutShop(ctx, sh, t0); err != nil {
		t.Fatal(err)
	}
	got, err := e.store.GetShop(ctx, sh.Source, sh.ID)
	if err != nil || got.Window != sh.Window || got.StaffHours != sh.StaffHours {
		t.Fatalf("shop windows = %v / %v, %v; want %v / %v", got.Window, got.StaffHours, err, sh.Window, sh.StaffHours)
	}
	bare := thankyou.Shop{Source: thankyou.SourceShopify, ID: "bare.myshopify.com", Name: "Bare"}
	if err := e.store.PutShop(ctx, bare, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := e.store.GetShop(ctx, bare.Source, bare.ID); err != nil || !got.Window.IsZero() || !got.StaffHours.IsZero() {
		t.Fatalf("shop without windows = %v / %v, %v; want none", got.Window, got.StaffHours, err)
	}
	m := staffMember(testShop, "ana", "+12125550101")
	m.Hours = thankyou.MustWindow("08:00-12:30 Sun")
	if err := e.store.PutStaff(ctx, m, t0); err != nil {
		t.Fatal(err)
	}
	if got, err := e.store.GetStaff(ctx, m.Source, m.ShopID, m.ID); err != nil || got.Hours != m.Hours {
		t.Fatalf("member hours = %v, %v; want %v", got.Hours, err, m.Hours)
	}
	task := pendingTask("w1", t0)
	task.Window = thankyou.MustWindow("10:00-17:00 Mon-Fri")
	task = e.create(t, task)
	if got := e.get(t, task.ID); got.Window != task.Window {
		t.Fatalf("task window = %v, want %v", got.Window, task.Window)
	}
}

// TestABadStoredWindowIsAnError: a window that does not parse in a
// stored item is an error naming it, not a silent default.
func TestABadStoredWindowIsAnError(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	sh := thankyou.Shop{Source: thankyou.SourceShopify, ID: testShop, Name: "Shop", Window: thankyou.MustWindow("09:00-17:00 Mon-Fri")}
	if err := e.store.PutShop(ctx, sh, t0); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "SHOPS"}, "sk": &types.AttributeValueMemberS{Value: "SHOP#shopify:" + testShop},
		},
		UpdateExpression:          aws.String("SET windowStart = :bad"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":bad": &types.AttributeValueMemberS{Value: "25:00"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.store.GetShop(ctx, sh.Source, sh.ID)
	if thankyou.ErrorCode(err) != thankyou.EINVALID || !strings.Contains(err.Error(), "25:00") {
		t.Fatalf("GetShop with a stored window start 25:00: %v; want an EINVALID error naming it", err)
	}
}
