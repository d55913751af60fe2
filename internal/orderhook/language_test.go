package orderhook_test

import (
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/orderhook"
	"github.com/thankyoucalls/thankyoucalls/internal/shops"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func languageShop(t *testing.T, ch thankyou.Channel) shops.Shop {
	t.Helper()
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	zone, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return shops.Shop{Shop: thankyou.Shop{
		Source: thankyou.SourceShopify, ID: "kissa.myshopify.com", Name: "Kissa", Channel: ch, StaffPhone: "+4930123456",
		Delay: 72 * time.Hour, ExpireAfter: 72 * time.Hour, Language: "de",
		SMSTemplate:  "Danke, {{.FirstName}}! (eigener Text)",
		SMSTemplates: map[string]string{"es": "¡Gracias, {{.FirstName}}! (texto propio)"},
		Voice:        thankyou.Voice{Consent: true, Voice: "Polly.Vicki", Language: "de-DE"}, Window: w,
	}, Zone: zone}
}

// TestTheTaskIsWrittenInTheCustomersLanguage: the order's locale chooses
// the task's language and the shop's own template for it, else the
// built-in text (an empty template); the shop's language serves orders in
// other languages and its staff.
func TestTheTaskIsWrittenInTheCustomersLanguage(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name, locale string
		ch           thankyou.Channel
		lang, tmpl   string
		sayLanguage  string
	}{
		{"a German order: the shop's own text", "de-AT", thankyou.ChannelSMS, "de", "Danke, {{.FirstName}}! (eigener Text)", ""},
		{"a Spanish order: the shop's Spanish text", "es", thankyou.ChannelSMS, "es", "¡Gracias, {{.FirstName}}! (texto propio)", ""},
		{"a Japanese order: the built-in Japanese text", "ja-JP", thankyou.ChannelSMS, "ja", "", ""},
		{"no locale: the shop's language", "", thankyou.ChannelSMS, "de", "Danke, {{.FirstName}}! (eigener Text)", ""},
		{"a language without texts: the shop's", "ko", thankyou.ChannelSMS, "de", "Danke, {{.FirstName}}! (eigener Text)", ""},
		{"a staff reminder is in the shop's language", "ja", thankyou.ChannelStaff, "de", "", ""},
		{"a call in the shop's language keeps its voice", "de", thankyou.ChannelCall, "de", "Danke, {{.FirstName}}! (eigener Text)", "de-DE"},
		{"a call in another language gets that language's voice", "fr-CA", thankyou.ChannelCall, "fr", "", "fr-FR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := thankyou.Order{Source: thankyou.SourceShopify, Shop: "kissa.myshopify.com", ID: "1", Phone: "+4915123456789",
				FirstName: "Ada", Locale: tc.locale, CreatedAt: now}
			task := orderhook.TaskFor(languageShop(t, tc.ch), o, now)
			if task.State != thankyou.StatePending || task.Language != tc.lang || task.Template != tc.tmpl {
				t.Fatalf("task %s in %q with template %q; want pending in %q with %q", task.State, task.Language, task.Template, tc.lang, tc.tmpl)
			}
			if tc.ch == thankyou.ChannelCall {
				if task.Voice.Language != tc.sayLanguage || (tc.sayLanguage != "de-DE") != (task.Voice.Voice == "") {
					t.Errorf("voice %q in %q, want %q (the shop's voice only in its language)", task.Voice.Voice, task.Voice.Language, tc.sayLanguage)
				}
			}
		})
	}
}

func TestAWaitingTaskWaitsForTheShopsTrigger(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	sh := languageShop(t, thankyou.ChannelSMS)
	sh.Trigger, sh.MaxWait = thankyou.TriggerFulfilment, 240*time.Hour
	o := thankyou.Order{Source: thankyou.SourceShopify, Shop: sh.ID, ID: "2", Phone: "+4915123456789", CreatedAt: now.Add(-time.Hour)}
	task := orderhook.TaskFor(sh, o, now)
	if task.State != thankyou.StateAwaitingFulfilment || task.Trigger != thankyou.TriggerFulfilment ||
		!task.DueAt.IsZero() || !task.Deadline.Equal(now.Add(239*time.Hour)) || task.Recipient == "" {
		t.Errorf("task %s (%s) due %v until %v to %q; want awaiting the fulfilment until the order's time plus 240h",
			task.State, task.Trigger, task.DueAt, task.Deadline, task.Recipient)
	}
}
