package orderhook_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/thankyoucalls/thankyoucalls/internal/generic"
	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// genericOrderIn builds a signed generic order.created delivery shipped to
// a region ("" for none).
func genericOrderIn(t *testing.T, id, phone, region string, at time.Time) events.APIGatewayV2HTTPRequest {
	t.Helper()
	ev := genericOrder(t, "thankyou-demo", "local-generic-webhook-secret", id, phone, at)
	if region == "" {
		return ev
	}
	body := fmt.Sprintf(`{"event":"order.created","order":{"id":%q,"number":%q,"created_at":%q,"total":"30.00","currency":"USD",`+
		`"customer":{"first_name":"Pat","last_name":"Lee","phone":%q},"shipping_country":"US","shipping_region":%q}}`, id, id, at.Format(time.RFC3339), phone, region)
	ev.Body = body
	ev.Headers["x-signature-256"] = generic.Sign([]byte("local-generic-webhook-secret"), at, []byte(body))
	return ev
}

// TestNoSharedPoliteTimeExpiresAtOnce: a toll-free number spans the US
// zones; with a 10:00-12:00 window they share no minute (10:00 in New
// York is 07:00 in Los Angeles), so the task ends expired at once with its
// reason, never pending to fail later. The same order shipped to
// California is due in Los Angeles' hours.
func TestNoSharedPoliteTimeExpiresAtOnce(t *testing.T) {
	f := newFixture(t, map[string]string{"SEND_WINDOW_START": "10:00", "SEND_WINDOW_END": "12:00", "SEND_DAYS": "Mon-Fri"})
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)

	status, body := f.postAt(t, genericOrderIn(t, "NP-1", "+1 800 555 0100", "", at))
	if status != http.StatusCreated || body["state"] != string(thankyou.StateExpired) || body["reason"] != polite.NoPoliteTimeText {
		t.Fatalf("answer = %d %v, want 201 expired %q", status, body, polite.NoPoliteTimeText)
	}
	task, err := f.store.GetTask(context.Background(), thankyou.TaskID(thankyou.SourceGeneric, "thankyou-demo", "NP-1"))
	if err != nil {
		t.Fatal(err)
	}
	if task.State != thankyou.StateExpired || task.Reason != "no polite time for this number's time zones" || !task.DueAt.IsZero() {
		t.Fatalf("stored task = %s %q due %v, want expired with the reason and no due time", task.State, task.Reason, task.DueAt)
	}

	status, body = f.postAt(t, genericOrderIn(t, "NP-2", "+1 800 555 0100", "US-CA", at))
	if status != http.StatusCreated || body["state"] != string(thankyou.StatePending) {
		t.Fatalf("answer = %d %v, want 201 pending", status, body)
	}
	task, err = f.store.GetTask(context.Background(), thankyou.TaskID(thankyou.SourceGeneric, "thankyou-demo", "NP-2"))
	if err != nil {
		t.Fatal(err)
	}
	la, _ := time.LoadLocation("America/Los_Angeles")
	if task.TimeZone != "America/Los_Angeles" || task.Order.Region != "US-CA" {
		t.Fatalf("stored task in %q, region %q; want narrowed to America/Los_Angeles, US-CA", task.TimeZone, task.Order.Region)
	}
	// Placed Monday 10:00 in Los Angeles; 72 h later is Thursday 10:00,
	// Thanksgiving: due Friday 10:00 there.
	if want := time.Date(2026, 11, 27, 10, 0, 0, 0, la); !task.DueAt.Equal(want) {
		t.Fatalf("due %v, want %v", task.DueAt.In(la), want)
	}
}

// TestStateRuleAndClosedDatesDeferTheDueTime: a stored shop's closed dates
// and the customer's state law move the due time.
func TestStateRuleAndClosedDatesDeferTheDueTime(t *testing.T) {
	t.Setenv("SHOP_C_SECRET", "secret-of-shop-c")
	f := newFixture(t, nil)
	sh := thankyou.Shop{Source: thankyou.SourceGeneric, ID: "shop-c", Name: "Shop C", SecretRefs: []string{"env:SHOP_C_SECRET"}, TimeZone: "America/New_York",
		DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("08:00-21:00 Mon-Sun"),
		Closed: "2026-12-24,2026-12-26", Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour}
	if err := f.store.PutShop(context.Background(), sh, received); err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	chi, _ := time.LoadLocation("America/Chicago")
	for _, tc := range []struct {
		name, id, phone string
		placed          time.Time
		due             time.Time
	}{
		// 21 Dec 09:00 + 72 h = 24 Dec (closed), 25 Dec (Christmas), 26 Dec (closed): 27 Dec 08:00.
		{"closed dates and Christmas", "C-1", "+12125550142", time.Date(2026, 12, 21, 9, 0, 0, 0, ny), time.Date(2026, 12, 27, 8, 0, 0, 0, ny)},
		// Florida: 20:00 at the latest; Wed 20:30 + 72 h = Sat 20:30 → Sun 08:00.
		{"Florida evening", "C-2", "+13055550142", time.Date(2026, 12, 2, 20, 30, 0, 0, ny), time.Date(2026, 12, 6, 8, 0, 0, 0, ny)},
		// Texas: Sunday from noon; Thu 10:00 + 72 h = Sun 10:00 → 12:00.
		{"Texas Sunday morning", "C-3", "+17135550142", time.Date(2026, 12, 3, 10, 0, 0, 0, chi), time.Date(2026, 12, 6, 12, 0, 0, 0, chi)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := genericOrder(t, "shop-c", "secret-of-shop-c", tc.id, tc.phone, tc.placed)
			if status, body := f.postAt(t, ev); status != http.StatusCreated || body["state"] != "pending" {
				t.Fatalf("answer = %d %v", status, body)
			}
			task, err := f.store.GetTask(context.Background(), thankyou.TaskID(thankyou.SourceGeneric, "shop-c", tc.id))
			if err != nil {
				t.Fatal(err)
			}
			if !task.DueAt.Equal(tc.due) || task.Closed != "2026-12-24,2026-12-26" {
				t.Fatalf("due %v (closed %q), want %v", task.DueAt, task.Closed, tc.due.UTC())
			}
		})
	}
}

// TestDeploymentClosedDatesApplyToEveryShop: CLOSED_DATES closes a day for
// the shop configured by environment too. Order 1001 is due Thursday 26
// November (Thanksgiving); with Friday closed it is due Monday 10:00.
func TestDeploymentClosedDatesApplyToEveryShop(t *testing.T) {
	f := newFixture(t, map[string]string{"CLOSED_DATES": "2026-11-27"})
	if status, body := f.post(t, loadEvent(t, "shopify-orders-create.json")); status != http.StatusCreated {
		t.Fatalf("answer = %d %v", status, body)
	}
	task, err := f.store.GetTask(context.Background(), order1001)
	if err != nil {
		t.Fatal(err)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if want := time.Date(2026, 11, 30, 10, 0, 0, 0, ny); !task.DueAt.Equal(want) || task.Closed != "2026-11-27" {
		t.Fatalf("due %v (closed %q), want %v", task.DueAt.In(ny), task.Closed, want)
	}
}

// TestTaskForIsDueOnlyWhenEveryRuleAllows: over many random orders (numbers
// in ruled and unruled states and abroad, addresses, windows, closed dates
// and order times), a new task is due at an instant the customer's hours
// allow, no earlier than the delay, or expired because they allow none.
func TestTaskForIsDueOnlyWhenEveryRuleAllows(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 12))
	phones := []string{"+13055550142", "+17135550142", "+18605550142", "+18015550142", "+14015550142", "+12125550142",
		"+14155550142", "+18005550100", "+447911123456", "+4915112345678", "+14165550142"}
	regions := []string{"", "", "US-FL", "US-CA", "US-TX", "CA-ON", "GB-LND"}
	windows := [][3]string{{"10:00", "17:00", "Mon-Fri"}, {"08:00", "21:00", "Mon-Sun"}, {"10:00", "12:00", "Mon-Fri"}, {"12:00", "13:00", "Sat-Sun"}}
	ny, _ := time.LoadLocation("America/New_York")
	expired := 0
	const orders = 1000
	for i := range orders {
		win := windows[rng.IntN(len(windows))]
		w, err := thankyou.ParseWindow(win[0], win[1], win[2])
		if err != nil {
			t.Fatal(err)
		}
		placed := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
		shop := shops.Shop{
			Shop: thankyou.Shop{Name: "Shop", Channel: thankyou.ChannelSMS, Delay: time.Duration(rng.IntN(96)) * time.Hour, ExpireAfter: 72 * time.Hour, Window: w},
			Zone: ny,
		}
		if rng.IntN(3) == 0 {
			d := placed.Add(shop.Delay).In(ny)
			shop.Closed = []polite.Date{polite.DateOf(d), polite.DateOf(d.AddDate(0, 0, 1))}
		}
		region := regions[rng.IntN(len(regions))]
		o := thankyou.Order{Source: thankyou.SourceGeneric, ID: fmt.Sprint(i), Phone: phones[rng.IntN(len(phones))], CreatedAt: placed, Region: region}
		if strings.HasPrefix(region, "US-") {
			o.Country = "US"
		}
		task := orderhook.TaskFor(shop, o, placed)
		r := polite.Recipient{Phone: o.Phone, Zones: polite.Zones(strings.Split(task.TimeZone, ","), ny), Region: o.Region, Country: o.Country}
		switch task.State {
		case thankyou.StateExpired:
			expired++
			if v := shop.Hours().At(placed.Add(shop.Delay), r); v.Reason != polite.ReasonNoPoliteTime || task.Reason != polite.NoPoliteTimeText {
				t.Fatalf("order %d expired (%q) but the hours say %+v", i, task.Reason, v)
			}
		case thankyou.StatePending:
			if v := shop.Hours().At(task.DueAt, r); !v.Open {
				t.Fatalf("order %d (%s, %s, window %v, closed %v) due %v: %+v", i, o.Phone, region, w, shop.Closed, task.DueAt, v)
			}
			if task.DueAt.Before(placed.Add(shop.Delay)) || !task.Deadline.Equal(task.DueAt.Add(shop.ExpireAfter)) {
				t.Fatalf("order %d due %v before its delay, or deadline %v", i, task.DueAt, task.Deadline)
			}
		default:
			t.Fatalf("order %d: state %s", i, task.State)
		}
	}
	t.Logf("%d of %d orders had no polite time", expired, orders)
}
