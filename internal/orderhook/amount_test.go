package orderhook_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestStoredMinimumIsAppliedAndABrokenOneSkipsNamingIt: a stored shop's
// minimum total is compared exactly with the order's total (30.00 USD),
// and a minimum stored in a form amounts no longer take (as a shop saved
// before the tool checked it) is never "no minimum": the order is recorded
// as skipped with a reason naming the rule, and the error is logged.
func TestStoredMinimumIsAppliedAndABrokenOneSkipsNamingIt(t *testing.T) {
	t.Setenv("SHOP_M_SECRET", "secret-of-shop-m")
	var logs bytes.Buffer
	f := newLoggingFixture(t, nil, &logs)
	at := time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC)
	broken := `the shop's minimum total rule %q is not an amount (fix it with --min-total)`
	for i, tc := range []struct {
		minimum string
		state   thankyou.State
		reason  string
	}{
		{"", thankyou.StatePending, ""},
		{"30", thankyou.StatePending, ""},
		{"30.000", thankyou.StatePending, ""},
		{"30.01", thankyou.StateSkipped, "order total 30.00 is below the minimum 30.01"},
		{"NaN", thankyou.StateSkipped, strings.Replace(broken, "%q", `"NaN"`, 1)},
		{"Inf", thankyou.StateSkipped, strings.Replace(broken, "%q", `"Inf"`, 1)},
		{"0x1p4", thankyou.StateSkipped, strings.Replace(broken, "%q", `"0x1p4"`, 1)},
	} {
		t.Run(tc.minimum, func(t *testing.T) {
			id := "shop-m" + string(rune('a'+i))
			sh := thankyou.Shop{Source: thankyou.SourceGeneric, ID: id, Name: "Shop M", SecretRefs: []string{"env:SHOP_M_SECRET"}, TimeZone: "America/New_York",
				DefaultCountry: "US", Channel: thankyou.ChannelSMS, Window: thankyou.MustWindow("10:00-17:00 Mon-Fri"),
				Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour, Rules: thankyou.Rules{MinTotal: tc.minimum}}
			if err := f.store.PutShop(context.Background(), sh, received); err != nil {
				t.Fatal(err)
			}
			logs.Reset()
			status, body := f.postAt(t, genericOrder(t, id, "secret-of-shop-m", "M-1", "+12125550142", at))
			if status != http.StatusCreated || body["state"] != string(tc.state) {
				t.Fatalf("answer = %d %v, want 201 %s", status, body, tc.state)
			}
			task, err := f.store.GetTask(context.Background(), thankyou.TaskID(thankyou.SourceGeneric, id, "M-1"))
			if err != nil {
				t.Fatal(err)
			}
			if task.State != tc.state || task.Reason != tc.reason {
				t.Errorf("task %s %q, want %s %q", task.State, task.Reason, tc.state, tc.reason)
			}
			logged := strings.Contains(logs.String(), "shop rule cannot be applied")
			if wantLog := strings.HasPrefix(tc.reason, "the shop's minimum"); logged != wantLog {
				t.Errorf("logged the broken rule: %v, want %v; log %s", logged, wantLog, logs.String())
			}
		})
	}
}
