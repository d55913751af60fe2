package operator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

func newTool(t *testing.T) (*operator.Tool, *bytes.Buffer, *dynamo.Store) {
	t.Helper()
	client, table := dynamotest.NewTable(t)
	store := dynamo.New(client, table, dynamo.Options{})
	out := &bytes.Buffer{}
	return &operator.Tool{Store: store, Out: out, Now: func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }}, out, store
}

func run(t *testing.T, tool *operator.Tool, line string) error {
	t.Helper()
	return tool.Run(context.Background(), strings.Fields(line))
}

func TestShopsCanBeStoredListedReadAndDeleted(t *testing.T) {
	tool, out, store := newTool(t)
	for _, line := range []string{
		"shops put --source shopify --id Shop-A.myshopify.com --name ShopA --secret-ref /thankyou/shops/shop-a,/thankyou/shops/shop-a-next --time-zone Europe/Paris --country FR --window 09:00-18:00 --days Mon-Sat --frequency-cap-days 30 --skip-tags wholesale,staff --closed 2026-12-31,2026-12-24",
		"shops put --source woocommerce --id shop-b.example --name ShopB --secret-ref env:SHOP_B_SECRET --channel staff --staff-phone (212)555-0199 --min-total 25.00 --countries us,ca",
	} {
		if err := run(t, tool, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	a, err := store.GetShop(context.Background(), thankyou.SourceShopify, "shop-a.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if a.TimeZone != "Europe/Paris" || a.Window.String() != "09:00-18:00 Mon,Tue,Wed,Thu,Fri,Sat" || a.Closed != "2026-12-24,2026-12-31" || len(a.SecretRefs) != 2 || a.Rules.FrequencyCapDays != 30 || !a.Rules.SkipTestOrders {
		t.Errorf("stored shop A = %+v", a)
	}
	b, err := store.GetShop(context.Background(), thankyou.SourceWooCommerce, "shop-b.example")
	if err != nil {
		t.Fatal(err)
	}
	if b.StaffPhone != "+12125550199" || b.Channel != thankyou.ChannelStaff || b.Rules.Countries[0] != "US" || b.Rules.MinTotal != "25.00" {
		t.Errorf("stored shop B = %+v, want the staff phone normalised and countries upper-cased", b)
	}

	out.Reset()
	if err := run(t, tool, "shops list"); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"shop-a.myshopify.com", "ShopA", "Europe/Paris", "09:00-18:00 Mon,Tue,Wed,Thu,Fri,Sat", "once per 30 days", "shop-b.example", "min 25.00"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("list does not show %q:\n%s", want, out)
		}
	}
	if strings.Contains(out.String(), "2125550199") {
		t.Errorf("list shows a phone number in clear:\n%s", out)
	}

	out.Reset()
	if err := run(t, tool, "shops get --source woocommerce --id shop-b.example --json"); err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(out.Bytes(), &v); err != nil || v["name"] != "ShopB" || v["staffPhone"] != "+1********99" {
		t.Errorf("get --json = %s (%v)", out, err)
	}

	if err := run(t, tool, "shops delete --source woocommerce --id shop-b.example"); err != nil {
		t.Fatal(err)
	}
	err = run(t, tool, "shops get --source woocommerce --id shop-b.example")
	if err == nil || !strings.Contains(err.Error(), "shops list") {
		t.Errorf("get after delete: %v, want not found pointing at `shops list`", err)
	}
}

func TestBadShopSettingsSayWhatToFixAndStoreNothing(t *testing.T) {
	for _, tc := range []struct{ line, says string }{
		{"shops put --source shopify --name A --secret-ref /p", "--id is required"},
		{"shops put --source shopify --id a --secret-ref /p", "--name is required"},
		{"shops put --source shopify --id a --name A", "--secret-ref is required"},
		{"shops put --source shopify --id a --name A --secret-ref /p --time-zone Mars/Base", "--time-zone"},
		{"shops put --source shopify --id a --name A --secret-ref /p --window 10-17", "--window"},
		{"shops put --source shopify --id a --name A --secret-ref /p --closed 24/12/2026", "--closed"},
		{"shops put --source shopify --id a --name A --secret-ref /p --days Someday", "--window/--days"},
		{"shops put --source shopify --id a --name A --secret-ref /p --channel staff", "--staff-phone"},
		{"shops put --source shopify --id a --name A --secret-ref /p --min-total 1e3", "--min-total"},
		{"shops put --source shopify --id a --name A --secret-ref /p --countries USA", "--countries"},
		{"shops put --source magento --id a --name A --secret-ref /p", "magento"},
		{"shops put --id a --name A --secret-ref /p", "--source is required"},
		{"shops put --source shopify --id a --name A --secret-ref /thankyou/shop-a", "must be under /thankyou/shops/"},
		{"shops put --source shopify --id a --name A --secret-ref arn:aws:secretsmanager:us-east-1:1:secret:x", "SSM SecureString parameters under"},
	} {
		t.Run(tc.says, func(t *testing.T) {
			tool, _, store := newTool(t)
			err := run(t, tool, tc.line)
			if err == nil || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("%s: %v, want an error saying %q", tc.line, err, tc.says)
			}
			if list, _ := store.ListShops(context.Background()); len(list) != 0 {
				t.Errorf("a refused put stored %d shops", len(list))
			}
		})
	}
}

func TestUnknownCommandsAreUsageErrors(t *testing.T) {
	tool, _, _ := newTool(t)
	for _, line := range []string{"", "orders list", "tasks frobnicate", "shops frobnicate", "shops list --colour"} {
		if err := run(t, tool, line); !errors.Is(err, operator.ErrUsage) {
			t.Errorf("%q: %v, want a usage error", line, err)
		}
	}
}

func TestShopTemplatesAreCheckedBeforeTheyAreStored(t *testing.T) {
	tool, _, store := newTool(t)
	base := []string{"shops", "put", "--source", "shopify", "--id", "a.myshopify.com", "--name", "A", "--secret-ref", "/thankyou/shops/a"}
	err := tool.Run(context.Background(), append(base, "--sms-template", "Hi {{.Nickname}}"))
	if err == nil || !strings.Contains(err.Error(), "--sms-template") {
		t.Fatalf("unknown field: %v, want an error naming --sms-template", err)
	}
	if err := tool.Run(context.Background(), append(base, "--sms-template", "Merci {{.FirstName}} ! {{.ShopName}}")); err != nil {
		t.Fatal(err)
	}
	got, err := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com")
	if err != nil || got.SMSTemplate != "Merci {{.FirstName}} ! {{.ShopName}}" {
		t.Errorf("stored template = %q, %v", got.SMSTemplate, err)
	}
}

func TestSkippedOrdersAreVisibleWithTheirReason(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, task := range []thankyou.Task{
		{ID: "shopify:a.myshopify.com:1", Order: thankyou.Order{Source: thankyou.SourceShopify, Shop: "a.myshopify.com", ID: "1", Number: "1001", Phone: "+12125550123", CustomerName: "Jane Doe"},
			Channel: thankyou.ChannelSMS, Recipient: "+12125550123", State: thankyou.StatePending, DueAt: now.Add(72 * time.Hour), Deadline: now.Add(144 * time.Hour), CreatedAt: now},
		{ID: "shopify:a.myshopify.com:2", Order: thankyou.Order{Source: thankyou.SourceShopify, Shop: "a.myshopify.com", ID: "2", Number: "1002"},
			State: thankyou.StateSkipped, Reason: "test order", CreatedAt: now.Add(time.Minute)},
		{ID: "woocommerce:b.example:3", Order: thankyou.Order{Source: thankyou.SourceWooCommerce, Shop: "b.example", ID: "3", Number: "3"},
			State: thankyou.StateSkipped, Reason: "order total 12.00 is below the minimum 25.00", CreatedAt: now.Add(2 * time.Minute)},
	} {
		if _, err := store.CreateTask(ctx, task); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		line      string
		want, not []string
	}{
		{"tasks list --state skipped", []string{"test order", "below the minimum 25.00", "2 tasks"}, []string{"1001"}},
		{"tasks list --source shopify --shop a.myshopify.com", []string{"1001", "test order", "+1********23", "2 tasks"}, []string{"b.example", "2125550123", "Jane"}},
		{"tasks list --source woocommerce", []string{"woocommerce:b.example:3", "1 task"}, []string{"shopify:"}},
		{"tasks show --id shopify:a.myshopify.com:1", []string{"pending", "1001", "+1********23"}, []string{"Jane", "2125550123"}},
	} {
		out.Reset()
		if err := run(t, tool, tc.line); err != nil {
			t.Fatalf("%s: %v", tc.line, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(out.String(), w) {
				t.Errorf("%s: output lacks %q:\n%s", tc.line, w, out)
			}
		}
		for _, n := range tc.not {
			if strings.Contains(out.String(), n) {
				t.Errorf("%s: output shows %q:\n%s", tc.line, n, out)
			}
		}
	}
	if err := run(t, tool, "tasks list --state nonsense"); err == nil || !strings.Contains(err.Error(), "not a task state") {
		t.Errorf("bad state: %v", err)
	}
	if err := run(t, tool, "tasks show --id nope"); err == nil || !strings.Contains(err.Error(), "tasks list") {
		t.Errorf("unknown task: %v, want a pointer to `tasks list`", err)
	}
}

// TestShopsPutChangesOnlyTheSettingsGiven: a second shops put of a stored
// shop keeps every setting it was not given.
func TestShopsPutChangesOnlyTheSettingsGiven(t *testing.T) {
	tool, out, store := newTool(t)
	for _, line := range []string{
		"shops put --source shopify --id a.myshopify.com --name A --secret-ref /thankyou/shops/a --time-zone Europe/Paris --country FR --window 09:00-18:00 --days Mon-Sat --channel staff --staff-phone +33612345678 --skip-tags wholesale --frequency-cap-days 30 --skip-test-orders=false",
		"shops put --source shopify --id a.myshopify.com --min-total 20.00",
	} {
		if err := run(t, tool, line); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	got, err := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "A" || got.TimeZone != "Europe/Paris" || got.DefaultCountry != "FR" || got.Window.String() != "09:00-18:00 Mon,Tue,Wed,Thu,Fri,Sat" ||
		got.Channel != thankyou.ChannelStaff || got.StaffPhone != "+33612345678" || len(got.Rules.SkipTags) != 1 ||
		got.Rules.FrequencyCapDays != 30 || got.Rules.SkipTestOrders || got.Rules.MinTotal != "20.00" || len(got.SecretRefs) != 1 {
		t.Errorf("after changing --min-total: %+v, want every other setting kept", got)
	}
	if !strings.Contains(out.String(), "Updated shop shopify:a.myshopify.com (A): --min-total changed") {
		t.Errorf("output %q does not say what changed", out.String())
	}
	// A new shop still needs its name and secret.
	if err := run(t, tool, "shops put --source shopify --id b.myshopify.com --min-total 20.00"); err == nil || !strings.Contains(err.Error(), "--name is required") {
		t.Errorf("a new shop without --name: %v", err)
	}
}

// TestClampedHoursAreStoredAndShownClampedWithAWarning: a window or a
// shift outside 08:00-21:00 is what the dispatcher will use, 08:00-21:00
// at most, and the tool says so.
func TestClampedHoursAreStoredAndShownClampedWithAWarning(t *testing.T) {
	tool, out, store := newTool(t)
	var warnings bytes.Buffer
	tool.Err = &warnings
	if err := run(t, tool, "shops put --source shopify --id a.myshopify.com --name A --secret-ref /thankyou/shops/a --window 07:00-22:30"); err != nil {
		t.Fatal(err)
	}
	sh, err := store.GetShop(context.Background(), thankyou.SourceShopify, "a.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if start, end, _ := sh.Window.Fields(); start != "08:00" || end != "21:00" || !strings.Contains(out.String(), "window 08:00-21:00") ||
		!strings.Contains(warnings.String(), "warning: --window 07:00-22:30 is clamped to 08:00-21:00") {
		t.Errorf("stored %s; out %q; warnings %q", sh.Window, out.String(), warnings.String())
	}
	warnings.Reset()
	out.Reset()
	if err := run(t, tool, "staff put --source shopify --shop a.myshopify.com --id ana --name Ana --phone 2125550181 --hours 06:30-17:00"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "08:00-17:00") || !strings.Contains(warnings.String(), "warning: --hours 06:30-17:00 is clamped to 08:00-17:00") {
		t.Errorf("staff put: out %q; warnings %q", out.String(), warnings.String())
	}
	warnings.Reset()
	if err := run(t, tool, "shops put --source shopify --id a.myshopify.com --window 10:00-17:00"); err != nil || warnings.Len() != 0 {
		t.Errorf("a legal window: %v, warnings %q", err, warnings.String())
	}
}

// TestMinTotalMustBeAnAmount is the operators' tool's amount edge: every
// form thankyou.ParseAmount refuses is a usage error naming --min-total
// (the tool exits 2) and stores nothing; an amount is stored as written.
func TestMinTotalMustBeAnAmount(t *testing.T) {
	tool, _, store := newTool(t)
	for _, bad := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "0x1p4", "0x10", "1e3", "1E3", "-5", "+5", "1,000", ".5", "5.", "ten"} {
		err := tool.Run(context.Background(), []string{"shops", "put", "--source", "shopify", "--id", "a", "--name", "A", "--secret-ref", "/thankyou/shops/a", "--min-total", bad})
		if !errors.Is(err, operator.ErrUsage) || !strings.Contains(err.Error(), "--min-total") {
			t.Errorf("--min-total %q: %v, want a usage error naming --min-total", bad, err)
		}
	}
	if list, _ := store.ListShops(context.Background()); len(list) != 0 {
		t.Fatalf("a refused --min-total stored %d shops", len(list))
	}
	if err := run(t, tool, "shops put --source shopify --id a --name A --secret-ref /thankyou/shops/a --min-total 1500"); err != nil {
		t.Fatal(err)
	}
	a, err := store.GetShop(context.Background(), thankyou.SourceShopify, "a")
	if err != nil || a.Rules.MinTotal != "1500" {
		t.Fatalf("stored MinTotal %q, %v; want 1500", a.Rules.MinTotal, err)
	}
}
