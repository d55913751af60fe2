package generic

import (
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/webhook"
)

// FuzzVerify checks that Verify never panics, refuses with a coded error,
// and accepts exactly the deliveries signed with the secret within the
// window.
func FuzzVerify(f *testing.F) {
	for _, body := range testdataPayloads(f) {
		f.Add(body, Sign(secret, now, body), strconv.FormatInt(now.Unix(), 10), int64(0))
		f.Add(body, Sign(secret, now.Add(-10*time.Minute), body), strconv.FormatInt(now.Add(-10*time.Minute).Unix(), 10), int64(0))
		f.Add(body, Sign([]byte("other"), now, body), strconv.FormatInt(now.Unix(), 10), int64(-299))
	}
	f.Add([]byte{}, "sha256=", "", int64(0))
	f.Add([]byte("{}"), "sha256="+string(make([]byte, 64)), "9999999999999", int64(1<<40))
	s := mustNew(f)
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string, skew int64) {
		r := webhook.Request{
			Header:   http.Header{"X-Signature-256": {sig}, "X-Timestamp": {ts}},
			Body:     body,
			Received: now.Add(time.Duration(skew) * time.Second),
		}
		err := s.Verify(r, [][]byte{[]byte("old"), secret})
		if err != nil {
			if code := thankyou.ErrorCode(err); code != thankyou.EUNAUTHORIZED {
				t.Fatalf("Verify = %v, want code %q", err, thankyou.EUNAUTHORIZED)
			}
			return
		}
		sec, perr := strconv.ParseInt(ts, 10, 64)
		if perr != nil {
			t.Fatalf("Verify accepted X-Timestamp %q", ts)
		}
		at := time.Unix(sec, 0)
		if d := r.Received.Sub(at); d > Tolerance || d < -Tolerance {
			t.Fatalf("Verify accepted a timestamp %v from the receive time", d)
		}
		// Over the timestamp as sent (it may have leading zeros); hex in
		// either case.
		want := "sha256=" + hex.EncodeToString(webhook.HMACSHA256(secret, []byte(ts+"."), body))
		if !strings.EqualFold(sig, want) {
			t.Fatalf("Verify accepted signature %q, want %q", sig, want)
		}
	})
}

// FuzzParse checks that Parse never panics, refuses with EINVALID, and
// gives a created order an id and exactly one of a phone or a skip reason.
func FuzzParse(f *testing.F) {
	for _, body := range testdataPayloads(f) {
		f.Add(body, "thankyou-demo", "US", "evt-1")
		f.Add(body, "", "GB", "")
	}
	f.Add([]byte(createdBody), "Shop.Name", "", "")
	f.Add([]byte(`{"event":"order.cancelled","order":{"id":"1"},"reason":"\u0000"}`), "a", "xx", "e")
	f.Add([]byte(`{"event":"order.delivered","order":{"id":"1","delivered_at":"2026-11-27T10:00:00+09:00"}}`), "", "JP", "")
	f.Add([]byte(`{"event":"order.fulfilled","order":{"id":"1","fulfilled_at":"2026-11-25T09:00:00Z","locale":"ja_JP"}}`), "", "US", "")
	f.Add([]byte(`{"event":"order.created","order":{"id":"1","created_at":"2016-12-31T23:59:60Z","customer_order_count":1e6}}`), "", "US", "")
	f.Add([]byte(`{"event":"order.created","order":{"id":"1","created_at":"2026-11-23T17:00:00Z","items":[{"name":" a\u0000 ","quantity":2},{"name":""},{"name":"b","quantity":1e9},{"name":"c"},{"name":"d"}]}}`), "", "US", "")
	s := mustNew(f)
	f.Fuzz(func(t *testing.T, body []byte, shop, defaultCountry, eventID string) {
		r := webhook.Request{
			Header:   http.Header{"X-Timestamp": {strconv.FormatInt(now.Unix(), 10)}, "X-Shop": {shop}, "X-Event-Id": {eventID}},
			Query:    url.Values{},
			Body:     body,
			Received: now,
		}
		d, err := s.Parse(r, defaultCountry)
		if err != nil {
			if code := thankyou.ErrorCode(err); code != thankyou.EINVALID {
				t.Fatalf("Parse = %v, want code %q", err, thankyou.EINVALID)
			}
			return
		}
		o := d.Order
		if o.Source != thankyou.SourceGeneric || o.ID == "" || !d.OccurredAt.Equal(now) {
			t.Fatalf("delivery %+v: want source generic, an order id, occurred at %v", d, now)
		}
		switch d.Kind {
		case thankyou.DeliveryOrderCreated:
			if (o.Phone == "") == (o.SkipReason.Detail == "") {
				t.Fatalf("order phone %q, skip reason %q: want exactly one", o.Phone, o.SkipReason)
			}
			if o.CreatedAt.IsZero() || o.Number == "" {
				t.Fatalf("order created %v, number %q: want both", o.CreatedAt, o.Number)
			}
			checkItems(t, o.Items)
			checkRegion(t, o.Region)
		case thankyou.DeliveryOrderCancelled:
			if d.Reason == "" {
				t.Fatal("cancellation without a reason")
			}
		case thankyou.DeliveryOrderFulfilled, thankyou.DeliveryOrderDelivered:
			if d.FulfilledAt.IsZero() {
				t.Fatal("fulfilment without its time")
			}
		default:
			t.Fatalf("kind %q", d.Kind)
		}
	})
}
