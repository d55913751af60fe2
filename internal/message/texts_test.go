package message_test

import (
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// typical is a typical order of each language: the names and shop a
// segment budget is checked with.
func typical(lang string) thankyou.Task {
	o := thankyou.Order{
		Number: "1001", Total: "49.90", Currency: "EUR", Phone: "+34612345678",
		FirstName: "Lucía", FamilyName: "García", CustomerName: "Lucía García Pérez", Locale: "es-ES",
		Items: []string{"2 × Taza azul", "Paño de cocina", "Tetera de hierro"},
	}
	switch lang {
	case language.English:
		o.FirstName, o.FamilyName, o.CustomerName, o.Locale, o.Currency, o.Phone = "Jennifer", "Anderson", "Jennifer Anderson", "en-US", "USD", "+12125550123"
		o.Items = []string{"2 × Blue mug", "Tea towel", "Cast-iron teapot"}
	case language.French:
		o.FirstName, o.FamilyName, o.CustomerName, o.Locale, o.Phone = "Françoise", "Lefèvre", "Françoise Lefèvre", "fr-FR", "+33612345678"
		o.Items = []string{"2 × Tasse bleue", "Torchon", "Théière en fonte"}
	case language.German:
		o.FirstName, o.FamilyName, o.CustomerName, o.Locale, o.Phone = "Jürgen", "Müller", "Jürgen Müller", "de-DE", "+4915123456789"
		o.Items = []string{"2 × Blaue Tasse", "Geschirrtuch", "Teekanne aus Gusseisen"}
	case language.Portuguese:
		o.FirstName, o.FamilyName, o.CustomerName, o.Locale, o.Currency, o.Phone = "João", "Silva", "João Silva", "pt-BR", "BRL", "+5511912345678"
		o.Items = []string{"2 × Caneca azul", "Pano de prato", "Bule de ferro"}
	case language.Japanese:
		o.FirstName, o.FamilyName, o.CustomerName, o.Locale, o.Currency, o.Total, o.Phone = "太郎", "山田", "太郎 山田", "ja-JP", "JPY", "4990", "+819012345678"
		o.Items = []string{"2 × 青いマグカップ", "ふきん", "南部鉄器の急須"}
	}
	return thankyou.Task{Order: o, Language: lang}
}

// Segment budgets of the built-in texts with a typical order and a shop
// name of 12 characters.
//
// A reminder in UCS-2 (a name or a language outside GSM-7) holds 67
// characters a segment: RenderReminder drops its items, and the rest must
// fit in reminderUCS2Segments.
const (
	smsGSMSegments       = 1
	smsUCS2Segments      = 2
	reminderUCS2Segments = 3
)

func TestBuiltInTextsFitTheirSegmentBudget(t *testing.T) {
	for _, lang := range language.Supported {
		t.Run(lang, func(t *testing.T) {
			r, err := message.NewRendererIn(lang, "", "")
			if err != nil {
				t.Fatal(err)
			}
			task := typical(lang)
			d := message.DataFor(task, "Example Shop")
			sms, err := r.Render(thankyou.ChannelSMS, d)
			if err != nil {
				t.Fatal(err)
			}
			segs, enc := message.Segments(sms)
			budget := smsGSMSegments
			if enc == message.UCS2 {
				budget = smsUCS2Segments
			}
			t.Logf("SMS (%s, %d segments): %s", enc, segs, sms)
			if segs > budget {
				t.Errorf("thank-you SMS takes %d %s segments, budget %d: %q", segs, enc, budget, sms)
			}
			// The reminder keeps its items when it can, and fits the
			// reminder budget at least once they are dropped.
			d.OrderedAgo = message.AgoIn(lang, time.Now().Add(-72*time.Hour), time.Now(), time.UTC)
			d.CallUntil = "17:00"
			rem, err := r.RenderReminder(d, task.Order.Items)
			if err != nil {
				t.Fatal(err)
			}
			segs, enc = message.Segments(rem)
			t.Logf("reminder (%s, %d segments): %s", enc, segs, rem)
			budget = message.MaxReminderSegments
			if enc == message.UCS2 {
				budget = reminderUCS2Segments
			}
			if segs > budget {
				t.Errorf("reminder takes %d %s segments, budget %d: %q", segs, enc, budget, rem)
			}
			for _, w := range []string{"DONE", "LATER", "SKIP", "CALL 1001", d.CustomerPhone} {
				if !strings.Contains(rem, w) {
					t.Errorf("reminder %q lacks %q", rem, w)
				}
			}
			for _, v := range []string{message.VoiceText(d), message.VoicemailText(d)} {
				if !strings.Contains(v, "Example Shop") || strings.Contains(v, "{{") {
					t.Errorf("voice text %q", v)
				}
			}
			if lang != language.English && message.VoiceText(d) == message.VoiceText(message.DataFor(typical(language.English), "Example Shop")) {
				t.Errorf("voice text of %s is the English one", lang)
			}
		})
	}
}

// TestUCS2SegmentCounts pins the encoding and segment count of each
// built-in thank-you SMS and staff reminder (with its items, as
// RenderReminder leaves them) for the typical order: a text that grows
// past its count, or loses GSM-7, fails here.
func TestUCS2SegmentCounts(t *testing.T) {
	type count struct {
		enc  string
		segs int
	}
	want := map[string]struct{ sms, reminder count }{
		language.English:    {count{message.GSM7, 1}, count{message.GSM7, 2}},
		language.Spanish:    {count{message.UCS2, 2}, count{message.UCS2, 3}}, // the í of Lucía
		language.French:     {count{message.UCS2, 2}, count{message.UCS2, 3}}, // the ç of Françoise
		language.German:     {count{message.GSM7, 1}, count{message.GSM7, 2}},
		language.Portuguese: {count{message.UCS2, 2}, count{message.UCS2, 3}},
		language.Japanese:   {count{message.UCS2, 1}, count{message.UCS2, 2}},
	}
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, lang := range language.Supported {
		r, err := message.NewRendererIn(lang, "", "")
		if err != nil {
			t.Fatal(err)
		}
		task := typical(lang)
		d := message.DataFor(task, "Example Shop")
		sms, err := r.Render(thankyou.ChannelSMS, d)
		if err != nil {
			t.Fatal(err)
		}
		if segs, enc := message.Segments(sms); (count{enc, segs}) != want[lang].sms {
			t.Errorf("%s SMS: %d %s segments, want %+v: %q", lang, segs, enc, want[lang].sms, sms)
		}
		d.OrderedAgo, d.CallUntil = message.AgoIn(lang, now.AddDate(0, 0, -3), now, time.UTC), "17:00"
		rem, err := r.RenderReminder(d, task.Order.Items)
		if err != nil {
			t.Fatal(err)
		}
		if segs, enc := message.Segments(rem); (count{enc, segs}) != want[lang].reminder {
			t.Errorf("%s reminder: %d %s segments, want %+v: %q", lang, segs, enc, want[lang].reminder, rem)
		}
	}
}

func TestBuiltInTextsRenderWithEmptyFields(t *testing.T) {
	for _, lang := range language.Supported {
		r, err := message.NewRendererIn(lang, "", "")
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		d := message.Data{Language: lang}
		for _, ch := range []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelStaff} {
			if _, err := r.Render(ch, d); err != nil {
				t.Errorf("%s %s with empty fields: %v", lang, ch, err)
			}
		}
		if message.VoiceText(d) == "" || message.VoicemailText(d) == "" {
			t.Errorf("%s: empty voice text", lang)
		}
	}
}

func TestEnglishTextsAreUnchanged(t *testing.T) {
	sms, staff := message.DefaultTemplates(language.English)
	if sms != message.DefaultSMSTemplate || staff != message.DefaultStaffTemplate {
		t.Error("the English built-in templates are not the defaults")
	}
	if sms, _ := message.DefaultTemplates("it"); sms != message.DefaultSMSTemplate {
		t.Error("a language without texts does not fall back to English")
	}
}

func TestGreetingUsesTheRightName(t *testing.T) {
	for _, tc := range []struct {
		name                      string
		first, family, full, loc  string
		lang, wantGreet, wantFull string
	}{
		{"english fields", "Ada", "Lovelace", "Ada Lovelace", "en", language.English, "Ada", "Ada Lovelace"},
		{"japanese fields, japanese text", "太郎", "山田", "太郎 山田", "ja-JP", language.Japanese, "山田様", "山田 太郎"},
		{"japanese full name only", "山田", "", "山田 太郎", "ja", language.Japanese, "山田 太郎様", "山田 太郎"},
		{"japanese full name, english text", "山田", "", "山田 太郎", "ja", language.English, "山田 太郎様", "山田 太郎"},
		{"japanese text for a western name", "Ada", "Lovelace", "Ada Lovelace", "en", language.Japanese, "Lovelace様", "Ada Lovelace"},
		{"korean full name only", "김민수", "", "김민수", "ko-KR", language.English, "김민수 님", "김민수"},
		{"korean split full name", "김", "", "김 민수", "ko", language.English, "김 민수 님", "김 민수"},
		{"korean fields", "민수", "김", "민수 김", "ko", language.English, "민수", "김 민수"},
		{"chinese full name only", "王", "", "王 伟", "zh-CN", language.English, "王 伟", "王 伟"},
		{"hungarian full name only", "Nagy", "", "Nagy Anna", "hu", language.English, "Anna", "Nagy Anna"},
		{"hungarian fields", "Anna", "Nagy", "Anna Nagy", "hu-HU", language.English, "Anna", "Nagy Anna"},
		{"spanish", "Lucía", "García", "Lucía García", "es", language.Spanish, "Lucía", "Lucía García"},
		{"nobody", "", "", "", "ja", language.Japanese, "", ""},
	} {
		o := thankyou.Order{FirstName: tc.first, FamilyName: tc.family, CustomerName: tc.full, Locale: tc.loc}
		if got := message.GreetName(o, tc.lang); got != tc.wantGreet {
			t.Errorf("%s: GreetName = %q, want %q", tc.name, got, tc.wantGreet)
		}
		if got := message.DisplayName(o); got != tc.wantFull {
			t.Errorf("%s: DisplayName = %q, want %q", tc.name, got, tc.wantFull)
		}
	}
}

func TestAgoIn(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		lang string
		days int
		want string
	}{
		{language.Spanish, 3, "hace 3 días"}, {language.French, 1, "hier"}, {language.German, 0, "heute"},
		{language.Portuguese, 21, "há 3 semanas"}, {language.Japanese, 3, "3日前"}, {"xx", 2, "2 days ago"},
	} {
		if got := message.AgoIn(tc.lang, now.AddDate(0, 0, -tc.days), now, time.UTC); got != tc.want {
			t.Errorf("AgoIn(%s, %d days) = %q, want %q", tc.lang, tc.days, got, tc.want)
		}
	}
}

// FuzzGreetName: any names and locale from an order give a greeting that
// is the given name, or carries the full name (with its honorific), or
// for Hungarian a word of it; never a panic.
func FuzzGreetName(f *testing.F) {
	f.Add("太郎", "山田", "太郎 山田", "ja", "ja")
	f.Add("", "", "김민수", "ko-KR", "en")
	f.Add("Nagy", "", "Nagy Anna", "hu", "en")
	f.Add("Ada", "Lovelace", "Ada Lovelace", "en-GB", "es")
	f.Add("", "", " \u3000 ", "zh", "en")
	f.Fuzz(func(t *testing.T, first, family, full, locale, lang string) {
		o := thankyou.Order{FirstName: first, FamilyName: family, CustomerName: full, Locale: locale}
		got := message.GreetName(o, lang)
		display := strings.Join(strings.Fields(message.DisplayName(o)), " ")
		switch {
		case got == message.Clean(first):
		case lang == language.Japanese && strings.HasSuffix(got, "様"):
		case strings.Contains(got, display) && display != "":
		case language.Base(locale) == "hu" && strings.Contains(display, got):
		default:
			t.Fatalf("GreetName(%+v, %q) = %q", o, lang, got)
		}
	})
}
