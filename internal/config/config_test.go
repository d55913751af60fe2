package config

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestConfigurationDocDocumentsEveryVariable(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, v := range Vars {
		if !strings.Contains(readme, "| `"+v.Name+"`") && !strings.Contains(readme, "| `"+v.Name+"` / `_PARAM`") {
			t.Errorf("docs/configuration.md's table has no row for %s", v.Name)
		}
		if v.Default != "" && !strings.Contains(readme, v.Default) {
			t.Errorf("docs/configuration.md does not state %s's default %q", v.Name, v.Default)
		}
	}
}

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

func TestDefaultsApplyAndSecretsStayHidden(t *testing.T) {
	c, err := LoadOrderWebhook(env(map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "s3cret"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Delay != 72*time.Hour || c.Window.String() != "10:00-17:00 Mon,Tue,Wed,Thu,Fri" || c.Retention != 180*24*time.Hour || c.DefaultCountry != "US" {
		t.Errorf("defaults not applied: %+v", c)
	}
	if !c.Rules.SkipTestOrders || c.Rules.FirstOrderOnly || c.Rules.FrequencyCapDays != 0 || c.Rules.MinTotal != "" {
		t.Errorf("rule defaults: %+v, want test orders skipped and nothing else", c.Rules)
	}
	if got := c.Secrets(); len(got) != 1 {
		t.Errorf("Secrets() = %d sources, want only shopify", len(got))
	}
	if s := c.ShopifySecret.String(); strings.Contains(s, "s3cret") {
		t.Errorf("Secret.String() shows the value: %s", s)
	}
}

func TestBadConfigurationSaysWhatToFix(t *testing.T) {
	for _, tc := range []struct {
		name string
		load func(Getenv) error
		env  map[string]string
		says []string
	}{
		{"order webhook without table or secret", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{}, []string{"TABLE_NAME: must be set", "no order source is configured"}},
		{"secret given twice", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "a", "SHOPIFY_WEBHOOK_SECRET_PARAM": "/p"}, []string{"not both"}},
		{"staff channel without staff phone", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "a", "CHANNEL": "staff"}, []string{"STAFF_PHONE"}},
		{"call channel without consent", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "a", "CHANNEL": "call"}, []string{"VOICE_CONSENT", "consent"}},
		{"recording that is not https", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "a", "CHANNEL": "call", "VOICE_CONSENT": "true", "VOICE_PLAY_URL": "http://x/a.mp3"}, []string{"not an https URL"}},
		{"dispatcher escalating too soon", func(g Getenv) error { _, err := LoadDispatcher(g); return err },
			map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "PUBLIC_BASE_URL": "https://x", "TWILIO_FROM": "+15005550006", "ESCALATE_AFTER": "1m"}, []string{"ESCALATE_AFTER"}},
		{"twilio webhook without account", func(g Getenv) error { _, err := LoadTwilioWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "TWILIO_AUTH_TOKEN": "x"}, []string{"TWILIO_ACCOUNT_SID"}},
		{"bad values", func(g Getenv) error { _, err := LoadOrderWebhook(g); return err },
			map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "a", "THANK_YOU_DELAY": "3 days", "SHOP_TIME_ZONE": "Mars/Base", "CHANNEL": "pigeon", "RETENTION_DAYS": "-1",
				"MIN_ORDER_TOTAL": "ten", "FIRST_ORDER_ONLY": "maybe", "COUNTRIES": "USA", "FREQUENCY_CAP_DAYS": "-3"},
			[]string{"THANK_YOU_DELAY", "SHOP_TIME_ZONE", "CHANNEL", "RETENTION_DAYS", "MIN_ORDER_TOTAL", "FIRST_ORDER_ONLY", "COUNTRIES", "FREQUENCY_CAP_DAYS"}},
		{"dispatcher without sender", func(g Getenv) error { _, err := LoadDispatcher(g); return err },
			map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "PUBLIC_BASE_URL": "https://x"}, []string{"TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID"}},
		{"dispatcher with a short lease", func(g Getenv) error { _, err := LoadDispatcher(g); return err },
			map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "PUBLIC_BASE_URL": "https://x", "TWILIO_FROM": "+15005550006", "LEASE_DURATION": "1s"}, []string{"LEASE_DURATION"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.load(env(tc.env))
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tc.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
		})
	}
}

func TestShopIDsAreSourceAndIDKeptAsWritten(t *testing.T) {
	c, err := LoadOrderWebhook(env(map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "s",
		"SHOP_IDS": "shopify:a.myshopify.com, stripe:acct_1AbCdEfGh,stripe:, woocommerce:shop.example:8443"}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[thankyou.Source][]string{
		thankyou.SourceShopify:     {"a.myshopify.com"},
		thankyou.SourceStripe:      {"acct_1AbCdEfGh", ""},
		thankyou.SourceWooCommerce: {"shop.example:8443"},
	}
	if !reflect.DeepEqual(c.ShopIDs, want) {
		t.Errorf("ShopIDs = %q, want %q", c.ShopIDs, want)
	}
	for _, bad := range []string{"a.myshopify.com", "magento:x", ":x"} {
		if _, err := LoadOrderWebhook(env(map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "s", "SHOP_IDS": bad})); err == nil || !strings.Contains(err.Error(), "SHOP_IDS") {
			t.Errorf("SHOP_IDS=%q: %v, want an error naming SHOP_IDS", bad, err)
		}
	}
}

// TestOnlySAMLocalTakesTheDispatchersClockFromTheEvent: the dispatcher's
// deployed environment (any values, without AWS_SAM_LOCAL, which only the
// SAM CLI sets and the template may not: see samtemplate's environment
// check) never takes "now" from the scheduled event.
func TestOnlySAMLocalTakesTheDispatchersClockFromTheEvent(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "x",
		"TWILIO_FROM": "+15005550006", "PUBLIC_BASE_URL": "https://api.example.com"}
	for _, tc := range []struct {
		samLocal string
		want     bool
	}{{"", false}, {"false", false}, {"1", false}, {"TRUE", false}, {"true", true}} {
		e := map[string]string{}
		for k, v := range base {
			e[k] = v
		}
		if tc.samLocal != "" {
			e["AWS_SAM_LOCAL"] = tc.samLocal
		}
		c, err := LoadDispatcher(env(e))
		if err != nil {
			t.Fatal(err)
		}
		if c.EventClock != tc.want {
			t.Errorf("AWS_SAM_LOCAL=%q: EventClock = %v, want %v", tc.samLocal, c.EventClock, tc.want)
		}
	}
}

func TestContactCapAndStaffHours(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "x", "TWILIO_FROM": "+15005550006", "PUBLIC_BASE_URL": "https://x"}
	tests := []struct {
		cap  string
		want Cap
		ok   bool
	}{
		{"", Cap{Max: 1, Per: 24 * time.Hour}, true},
		{"3/24h", Cap{Max: 3, Per: 24 * time.Hour}, true},
		{" 2 / 48h ", Cap{Max: 2, Per: 48 * time.Hour}, true},
		{"0/24h", Cap{}, false},
		{"51/24h", Cap{}, false},
		{"1/30m", Cap{}, false},
		{"1", Cap{}, false},
		{"one/24h", Cap{}, false},
	}
	for _, tt := range tests {
		m := maps.Clone(base)
		m["CONTACT_CAP"] = tt.cap
		c, err := LoadDispatcher(env(m))
		if (err == nil) != tt.ok || (tt.ok && c.ContactCap != tt.want) {
			t.Errorf("CONTACT_CAP=%q: %+v, %v; want %+v (ok %v)", tt.cap, c.ContactCap, err, tt.want, tt.ok)
		}
		if tt.ok && c.StaffHours.String() != "09:00-17:00 Mon,Tue,Wed,Thu,Fri" {
			t.Errorf("STAFF_HOURS default = %q", c.StaffHours)
		}
	}
}

// A lease that a dispatcher run can outlive lets the next run take over a
// task that is still being sent: the lease must outlast the dispatcher's
// timeout and the schedule's period.
func TestLeaseOutlastsTheDispatchersTimeoutAndSchedule(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "PUBLIC_BASE_URL": "https://x", "TWILIO_FROM": "+15005550006"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	c, err := LoadDispatcher(env(base))
	if err != nil {
		t.Fatalf("defaults: %v", err)
	}
	if c.Lease <= c.Timeout || c.Lease <= c.SchedulePeriod || c.SchedulePeriod != 5*time.Minute || c.Timeout != 120*time.Second {
		t.Errorf("defaults: lease %s, timeout %s, period %s; want a lease longer than both", c.Lease, c.Timeout, c.SchedulePeriod)
	}
	for _, tc := range []struct {
		name string
		env  map[string]string
		ok   bool
	}{
		{"the lease as long as the timeout", with("LEASE_DURATION", "2m", "DISPATCH_TIMEOUT", "120s", "DISPATCH_SCHEDULE", "rate(1 minute)"), false},
		{"the lease shorter than the period", with("LEASE_DURATION", "4m", "DISPATCH_SCHEDULE", "rate(5 minutes)"), false},
		{"the lease longer than an hourly schedule's period", with("LEASE_DURATION", "61m", "DISPATCH_SCHEDULE", "rate(1 hour)"), true},
		{"the lease shorter than a daily period", with("LEASE_DURATION", "10m", "DISPATCH_SCHEDULE", "rate(1 day)"), false},
		{"a schedule that is not rate() or cron()", with("DISPATCH_SCHEDULE", "every 5 minutes"), false},
		{"a cron schedule: the timeout still counts", with("LEASE_DURATION", "10m", "DISPATCH_SCHEDULE", "cron(0/5 * * * ? *)"), true},
		{"a timeout that is not a duration", with("DISPATCH_TIMEOUT", "two minutes"), false},
	} {
		_, err := LoadDispatcher(env(tc.env))
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok=%t", tc.name, err, tc.ok)
		}
		if err != nil && !tc.ok && !strings.Contains(err.Error(), "LEASE_DURATION") && !strings.Contains(err.Error(), "DISPATCH_") {
			t.Errorf("%s: %v does not name the setting", tc.name, err)
		}
	}
}

// TestMinOrderTotalIsAnAmount is the configuration's amount edge: the
// variable takes thankyou.ParseAmount's form only, and anything else
// fails the load naming the variable (never "no minimum").
func TestMinOrderTotalIsAnAmount(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "SHOPIFY_WEBHOOK_SECRET": "s"}
	for _, bad := range []string{"NaN", "nan", "Inf", "+Inf", "-Inf", "Infinity", "0x1p4", "0x10", "1e3", "1E3", "-5", "+5", "1,000", ".5", "5.", "ten"} {
		m := maps.Clone(base)
		m["MIN_ORDER_TOTAL"] = bad
		_, err := LoadOrderWebhook(env(m))
		if err == nil || !strings.Contains(err.Error(), "MIN_ORDER_TOTAL") {
			t.Errorf("MIN_ORDER_TOTAL=%q: error %v, want one naming MIN_ORDER_TOTAL", bad, err)
		}
	}
	for in, want := range map[string]string{"25.00": "25.00", "1000": "1000", " 10.5 ": "10.5", "0": "0", "": ""} {
		m := maps.Clone(base)
		m["MIN_ORDER_TOTAL"] = in
		c, err := LoadOrderWebhook(env(m))
		if err != nil {
			t.Errorf("MIN_ORDER_TOTAL=%q: %v", in, err)
			continue
		}
		if c.Rules.MinTotal != want {
			t.Errorf("MIN_ORDER_TOTAL=%q: MinTotal %q, want %q", in, c.Rules.MinTotal, want)
		}
	}
}

// TestABadWindowFailsTheLoad: the send window and STAFF_HOURS are parsed
// when the configuration is loaded, and a bad one fails it, naming the
// variable and the value.
func TestABadWindowFailsTheLoad(t *testing.T) {
	base := map[string]string{"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC0123", "TWILIO_AUTH_TOKEN": "x", "TWILIO_FROM": "+15005550006", "PUBLIC_BASE_URL": "https://x"}
	tests := []struct {
		name, value, want string
	}{
		{"SEND_WINDOW_START", "25:00", `"25:00"`},
		{"SEND_WINDOW_END", "07:00", "empty within the legal hours"},
		{"SEND_DAYS", "Funday", "Funday"},
		{"STAFF_HOURS", "09:00 Mon-Fri", "STAFF_HOURS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(base)
			m[tt.name] = tt.value
			_, err := LoadDispatcher(env(m))
			if thankyou.ErrorCode(err) != thankyou.EINVALID || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name[:5]) {
				t.Errorf("%s=%q: %v; want an EINVALID error naming %s", tt.name, tt.value, err, tt.want)
			}
		})
	}
	c, err := LoadDispatcher(env(base))
	if err != nil || c.Window.String() != "10:00-17:00 Mon,Tue,Wed,Thu,Fri" || c.StaffHours.String() != "09:00-17:00 Mon,Tue,Wed,Thu,Fri" {
		t.Errorf("defaults: window %v, staff hours %v, %v", c.Window, c.StaffHours, err)
	}
}
