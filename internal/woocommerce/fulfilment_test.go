package woocommerce

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// withFields is the created fixture's order with fields replaced.
func withFields(t *testing.T, fields map[string]any) []byte {
	t.Helper()
	var o map[string]any
	if err := json.Unmarshal(readFile(t, createdFile), &o); err != nil {
		t.Fatal(err)
	}
	for k, v := range fields {
		o[k] = v
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestACompletedOrderIsFulfilled(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   time.Time
	}{
		{"completed", map[string]any{"status": "completed", "date_completed_gmt": "2026-11-26T15:00:00", "date_modified_gmt": "2026-11-26T15:00:01"},
			time.Date(2026, 11, 26, 15, 0, 0, 0, time.UTC)},
		{"completed without its date", map[string]any{"status": "wc-completed", "date_completed_gmt": nil, "date_modified_gmt": "2026-11-26T15:00:01"},
			time.Date(2026, 11, 26, 15, 0, 1, 0, time.UTC)},
		{"processing is not fulfilled", map[string]any{"status": "processing", "date_completed_gmt": "2026-11-26T15:00:00"}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := withFields(t, tc.fields)
			d, err := Source{}.Parse(signed(TopicOrderUpdated, body), "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Kind != thankyou.DeliveryOrderCreated || !d.FulfilledAt.Equal(tc.want) {
				t.Errorf("Kind, FulfilledAt = %q, %v; want %q, %v", d.Kind, d.FulfilledAt, thankyou.DeliveryOrderCreated, tc.want)
			}
		})
	}
}

func TestTheOrderLanguageComesFromItsMetaData(t *testing.T) {
	for _, tc := range []struct {
		name string
		meta any
		want string
	}{
		{"WPML", []any{map[string]any{"id": 1, "key": "_billing_vat", "value": "x"}, map[string]any{"id": 2, "key": "wpml_language", "value": "de"}}, "de"},
		{"a locale", []any{map[string]any{"id": 3, "key": "_locale", "value": "ja_JP"}}, "ja-JP"},
		{"WPML wins", []any{map[string]any{"key": "_locale", "value": "fr_FR"}, map[string]any{"key": "wpml_language", "value": "es"}}, "es"},
		{"a value that is not a string", []any{map[string]any{"key": "wpml_language", "value": map[string]any{"code": "de"}}}, ""},
		{"unreadable", []any{map[string]any{"key": "wpml_language", "value": "??"}}, ""},
		{"meta_data of another shape", "none", ""},
		{"none", []any{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := Source{}.Parse(signed(TopicOrderCreated, withFields(t, map[string]any{"meta_data": tc.meta})), "US")
			if err != nil {
				t.Fatal(err)
			}
			if d.Order.Locale != tc.want {
				t.Errorf("Locale = %q, want %q", d.Order.Locale, tc.want)
			}
		})
	}
}
