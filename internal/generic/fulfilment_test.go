package generic

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestFulfilledAndDeliveredEventsNameTheirOrderAndTime(t *testing.T) {
	s := mustNew(t)
	for _, tc := range []struct {
		name, body string
		kind       thankyou.DeliveryKind
		at         time.Time
	}{
		{"fulfilled", `{"event":"order.fulfilled","order":{"id":"G-1001","fulfilled_at":"2026-11-25T09:00:00-05:00"}}`,
			thankyou.DeliveryOrderFulfilled, time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)},
		{"delivered", `{"event":"order.delivered","order":{"id":"G-1001","delivered_at":"2026-11-27t10:00:00z"}}`,
			thankyou.DeliveryOrderDelivered, time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := s.Parse(delivery(secret, now, tc.body), "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != tc.kind || !d.FulfilledAt.Equal(tc.at) || d.Order.TaskID() != "generic::G-1001" {
				t.Errorf("delivery = %q at %v for task %q; want %q at %v for generic::G-1001", d.Kind, d.FulfilledAt, d.Order.TaskID(), tc.kind, tc.at)
			}
		})
	}
}

func TestAFulfilmentEventNeedsItsOwnTime(t *testing.T) {
	s := mustNew(t)
	for name, body := range map[string]string{
		"fulfilled without fulfilled_at":   `{"event":"order.fulfilled","order":{"id":"G-1001"}}`,
		"delivered with only fulfilled_at": `{"event":"order.delivered","order":{"id":"G-1001","fulfilled_at":"2026-11-25T09:00:00Z"}}`,
		"an unreadable time":               `{"event":"order.delivered","order":{"id":"G-1001","delivered_at":"tomorrow"}}`,
	} {
		if _, err := s.Parse(delivery(secret, now, body), "US"); thankyou.ErrorCode(err) != thankyou.EINVALID {
			t.Errorf("%s: err = %v, want EINVALID", name, err)
		}
	}
}

func TestTheOrderCarriesItsLocale(t *testing.T) {
	s := mustNew(t)
	body := `{"event":"order.created","order":{"id":"G-2001","created_at":"2026-11-23T12:00:00+09:00","locale":"ja_JP",` +
		`"customer":{"first_name":"太郎","last_name":"山田","phone":"+81 90-1234-5678"}}}`
	d, err := s.Parse(delivery(secret, now, body), "JP")
	if err != nil {
		t.Fatal(err)
	}
	if o := d.Order; o.Locale != "ja-JP" || o.FirstName != "太郎" || o.FamilyName != "山田" {
		t.Errorf("Locale, FirstName, FamilyName = %q, %q, %q", o.Locale, o.FirstName, o.FamilyName)
	}
}
