package message_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func mustRenderer(t testing.TB, sms, staff string) *message.Renderer {
	t.Helper()
	r, err := message.NewRenderer(sms, staff)
	if err != nil {
		t.Fatalf("NewRenderer(%q, %q): %v", sms, staff, err)
	}
	return r
}

func TestDefaultMessages(t *testing.T) {
	r := mustRenderer(t, "", "")
	full := message.Data{
		FirstName: "Ada", CustomerName: "Ada Lovelace", OrderNumber: "1001",
		Total: "49.90", Currency: "USD", ShopName: "Example Shop", CustomerPhone: "+1 212-555-0123",
	}
	noNames := full
	noNames.FirstName, noNames.CustomerName = "", ""
	noTotal := full
	noTotal.Total = ""
	withItems := full
	withItems.Items, withItems.OrderedAgo, withItems.CallUntil = "2 x Blue mug, Tea towel", "3 days ago", "17:00"
	tests := []struct {
		name string
		ch   thankyou.Channel
		d    message.Data
		want string
	}{
		{"customer by first name", thankyou.ChannelSMS, full,
			"Hi Ada, thank you for your order #1001 at Example Shop! We really appreciate it."},
		{"customer without a first name", thankyou.ChannelSMS, noNames,
			"Hi there, thank you for your order #1001 at Example Shop! We really appreciate it."},
		{"staff reminder", thankyou.ChannelStaff, full,
			"Thank-you call: Ada Lovelace, +1 212-555-0123, order #1001, 49.90 USD. Please call Ada. Reply DONE, LATER, SKIP or CALL 1001"},
		{"staff reminder with items, age and hours", thankyou.ChannelStaff, withItems,
			"Thank-you call: Ada Lovelace, +1 212-555-0123, order #1001, 49.90 USD, 3 days ago: 2 x Blue mug, Tea towel. Please call Ada by 17:00. Reply DONE, LATER, SKIP or CALL 1001"},
		{"staff reminder without a name", thankyou.ChannelStaff, noNames,
			"Thank-you call: a customer, +1 212-555-0123, order #1001, 49.90 USD. Please call them. Reply DONE, LATER, SKIP or CALL 1001"},
		{"staff reminder without a total", thankyou.ChannelStaff, noTotal,
			"Thank-you call: Ada Lovelace, +1 212-555-0123, order #1001. Please call Ada. Reply DONE, LATER, SKIP or CALL 1001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.Render(tt.ch, tt.d)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if got != tt.want {
				t.Errorf("Render = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultMessagesFitInOneSegment(t *testing.T) {
	r := mustRenderer(t, "", "")
	people := []struct{ first, full string }{
		{"Ada", "Ada Lovelace"},
		{"Christopher", "Christopher Montgomery-Whitfield"},
		{"José", "José Muñoz"},
		{"Søren", "Søren Ødegård"},
		{"", ""},
	}
	for _, p := range people {
		d := message.Data{
			FirstName: p.first, CustomerName: p.full, OrderNumber: "100234",
			Total: "1299.00", Currency: "USD", ShopName: "Acme Outdoor Supplies", CustomerPhone: "+44 7911 123456",
		}
		for _, ch := range []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelStaff} {
			body, err := r.Render(ch, d)
			if err != nil {
				t.Fatalf("Render(%s, %q): %v", ch, p.full, err)
			}
			count, enc := message.Segments(body)
			if count != 1 {
				t.Errorf("%s message for %q is %d %s segments, want 1: %q", ch, p.full, count, enc, body)
			}
			if enc != message.GSM7 {
				t.Errorf("%s message for %q is %s, want GSM-7: %q", ch, p.full, enc, body)
			}
		}
	}
}

func TestDataForFormatsTheTaskForPeople(t *testing.T) {
	task := thankyou.Task{
		Channel: thankyou.ChannelStaff,
		Order: thankyou.Order{
			Number: "#1001", CustomerName: "Ada Lovelace", FirstName: "Ada",
			Phone: "+12125550123", Total: "49.90", Currency: "USD",
		},
	}
	got := message.DataFor(task, "Example Shop")
	want := message.Data{
		FirstName: "Ada", CustomerName: "Ada Lovelace", OrderNumber: "1001",
		Total: "49.90", Currency: "USD", ShopName: "Example Shop", CustomerPhone: "+1 212-555-0123",
	}
	if got != want {
		t.Errorf("DataFor = %+v, want %+v", got, want)
	}

	tests := []struct{ phone, want string }{
		{"+447911123456", "+44 7911 123456"},
		{"", ""},
		{"not a number", "not a number"},
	}
	for _, tt := range tests {
		task.Order.Phone = tt.phone
		if got := message.DataFor(task, "").CustomerPhone; got != tt.want {
			t.Errorf("DataFor(phone %q).CustomerPhone = %q, want %q", tt.phone, got, tt.want)
		}
	}
}

func TestCustomTemplates(t *testing.T) {
	r := mustRenderer(t,
		"  {{.ShopName}}: thanks {{or .FirstName \"friend\"}} for #{{.OrderNumber}}!\n",
		"Call {{.CustomerPhone}} ({{.CustomerName}})")
	d := message.Data{FirstName: "Ada", CustomerName: "Ada Lovelace", OrderNumber: "7", ShopName: "Shop", CustomerPhone: "+1 212-555-0123"}
	tests := []struct {
		ch   thankyou.Channel
		d    message.Data
		want string
	}{
		{thankyou.ChannelSMS, d, "Shop: thanks Ada for #7!"},
		{thankyou.ChannelSMS, message.Data{ShopName: "Shop", OrderNumber: "8"}, "Shop: thanks friend for #8!"},
		{thankyou.ChannelStaff, d, "Call +1 212-555-0123 (Ada Lovelace)"},
	}
	for _, tt := range tests {
		got, err := r.Render(tt.ch, tt.d)
		if err != nil {
			t.Fatalf("Render(%s): %v", tt.ch, err)
		}
		if got != tt.want {
			t.Errorf("Render(%s) = %q, want %q", tt.ch, got, tt.want)
		}
	}
}

func TestBadTemplatesAreRejectedAtStartup(t *testing.T) {
	tests := []struct {
		name       string
		sms, staff string
		wantIn     []string
	}{
		{"sms does not parse", "Hi {{.FirstName", "", []string{"SMS_TEMPLATE", "does not parse"}},
		{"staff does not parse", "", "{{if .Total}}no end", []string{"STAFF_TEMPLATE", "does not parse"}},
		{"unknown field", "Hi {{.Name}}", "", []string{"SMS_TEMPLATE", "Name"}},
		{"unknown field in staff", "", "Call {{.Phone}}", []string{"STAFF_TEMPLATE", "Phone"}},
		{"unknown field only reached without a name", "{{with .FirstName}}Hi {{.}}{{else}}Hi {{.Nickname}}{{end}}", "", []string{"SMS_TEMPLATE", "Nickname"}},
		{"unknown function", "{{upper .FirstName}}", "", []string{"SMS_TEMPLATE", "upper"}},
		{"empty message", "{{/* nothing */}}", "", []string{"SMS_TEMPLATE", "empty"}},
		{"range", "{{range 3}}x{{end}}", "", []string{"SMS_TEMPLATE", "range"}},
		{"range inside a defined template", `{{define "t"}}{{range 1000000000}}{{end}}{{end}}hi`, "", []string{"SMS_TEMPLATE", "range"}},
		{"range inside with", `{{with .FirstName}}{{else}}{{range 9}}{{end}}{{end}}`, "", []string{"SMS_TEMPLATE", "range"}},
		{"template call", `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, "", []string{"SMS_TEMPLATE", "template"}},
		{"block", `{{block "b" .}}hi{{end}}`, "", []string{"SMS_TEMPLATE", "template"}},
		{"too long", `{{printf "%01700d" 0}}`, "", []string{"SMS_TEMPLATE", "1600"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := message.NewRenderer(tt.sms, tt.staff)
			if err == nil {
				t.Fatalf("NewRenderer(%q, %q) = %v, want an error", tt.sms, tt.staff, r)
			}
			var e *thankyou.Error
			if !errors.As(err, &e) || e.Code != thankyou.EINVALID {
				t.Fatalf("error = %v, want a *thankyou.Error with code %q", err, thankyou.EINVALID)
			}
			for _, s := range tt.wantIn {
				if !strings.Contains(e.Message, s) {
					t.Errorf("message %q does not mention %q", e.Message, s)
				}
			}
		})
	}
}

func TestRenderRefusesEmptyMessagesAndUnknownChannels(t *testing.T) {
	r := mustRenderer(t, "{{.FirstName}}", "")
	if got, err := r.Render(thankyou.ChannelSMS, message.Data{FirstName: "  "}); err == nil {
		t.Errorf("Render with a blank result = %q, want an error", got)
	}
	if got, err := r.Render(thankyou.Channel("fax"), message.Data{FirstName: "Ada"}); err == nil {
		t.Errorf("Render for an unknown channel = %q, want an error", got)
	}
	long := message.Data{FirstName: strings.Repeat("a", message.MaxLength+1)}
	if got, err := r.Render(thankyou.ChannelSMS, long); err == nil {
		t.Errorf("Render of %d characters = nil error, want an error", utf8.RuneCountInString(got))
	}
}

func TestSegments(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantCount int
		wantEnc   string
	}{
		{"empty", "", 0, message.GSM7},
		{"plain text", "Hello there, thanks for your order!", 1, message.GSM7},
		{"the GSM-7 basic set", "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ!\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà", 1, message.GSM7},
		{"160 septets", strings.Repeat("a", 160), 1, message.GSM7},
		{"161 septets", strings.Repeat("a", 161), 2, message.GSM7},
		{"306 septets", strings.Repeat("a", 306), 2, message.GSM7},
		{"307 septets", strings.Repeat("a", 307), 3, message.GSM7},
		{"extension characters count two", strings.Repeat("a", 158) + "€", 1, message.GSM7},
		{"extension character over 160", strings.Repeat("a", 159) + "€", 2, message.GSM7},
		{"80 extension characters", strings.Repeat("{", 80), 1, message.GSM7},
		{"all extension characters", "\f^{}\\[~]|€", 1, message.GSM7},
		// 152 septets then an escape pair: the pair does not fit in the
		// first part's last septet, so it moves to the second part.
		{"escape pair not split", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 151), 2, message.GSM7},
		{"escape pair pushes a third part", strings.Repeat("a", 152) + "[" + strings.Repeat("a", 152), 3, message.GSM7},
		{"backtick is not GSM-7", "`", 1, message.UCS2},
		{"tab is not GSM-7", "a\tb", 1, message.UCS2},
		{"70 UCS-2 units", strings.Repeat("ж", 70), 1, message.UCS2},
		{"71 UCS-2 units", strings.Repeat("ж", 71), 2, message.UCS2},
		{"134 UCS-2 units", strings.Repeat("ж", 134), 2, message.UCS2},
		{"135 UCS-2 units", strings.Repeat("ж", 135), 3, message.UCS2},
		{"emoji counts two units", strings.Repeat("a", 68) + "🙂", 1, message.UCS2},
		{"emoji at 71 units", strings.Repeat("a", 69) + "🙂", 2, message.UCS2},
		{"35 emoji", strings.Repeat("🙂", 35), 1, message.UCS2},
		{"36 emoji", strings.Repeat("🙂", 36), 2, message.UCS2},
		// 66 units then a surrogate pair: the pair moves to the second part.
		{"surrogate pair not split", strings.Repeat("ж", 66) + "🙂" + strings.Repeat("ж", 65), 2, message.UCS2},
		{"surrogate pair pushes a third part", strings.Repeat("ж", 66) + "🙂" + strings.Repeat("ж", 66), 3, message.UCS2},
		{"one non-GSM character makes all UCS-2", strings.Repeat("a", 100) + "ë", 2, message.UCS2},
		{"invalid UTF-8", "\xff", 1, message.UCS2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			count, enc := message.Segments(tt.body)
			if count != tt.wantCount || enc != tt.wantEnc {
				t.Errorf("Segments(%q) = %d, %s; want %d, %s", tt.body, count, enc, tt.wantCount, tt.wantEnc)
			}
		})
	}
}

func FuzzSegments(f *testing.F) {
	for _, s := range []string{"", "Hi Ada!", "€{}[]", "🙂ж", strings.Repeat("a", 161), "\xff\xfe", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		count, enc := message.Segments(body)
		if enc != message.GSM7 && enc != message.UCS2 {
			t.Fatalf("Segments(%q) encoding = %q", body, enc)
		}
		if body == "" {
			if count != 0 {
				t.Fatalf("Segments(\"\") = %d, want 0", count)
			}
			return
		}
		if count < 1 {
			t.Fatalf("Segments(%q) = %d, want at least 1", body, count)
		}
		// Every segment carries at least one character.
		if n := utf8.RuneCountInString(body); count > n {
			t.Fatalf("Segments(%q) = %d, more than its %d characters", body, count, n)
		}
		// A longer body never needs fewer segments.
		if more, _ := message.Segments(body + body); more < count {
			t.Fatalf("Segments(body+body) = %d < Segments(body) = %d for %q", more, count, body)
		}
	})
}

func FuzzRender(f *testing.F) {
	f.Add(message.DefaultSMSTemplate, "Ada", "1001")
	f.Add(message.DefaultStaffTemplate, "", "#7")
	f.Add(`{{.ShopName}} {{printf "%q" .FirstName}} {{len .OrderNumber}}`, "Zoë", "")
	f.Add(`{{if eq .FirstName "x"}}{{.Total}}{{else if .Currency}}c{{end}}`, "x", "1")
	f.Add(`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, "", "")
	f.Add(`{{index .FirstName 0}}`, "", "")
	f.Add(`{{slice .FirstName 1 2}}`, "a", "")
	f.Fuzz(func(t *testing.T, tmpl, first, number string) {
		r, err := message.NewRenderer(tmpl, tmpl)
		if err != nil {
			if thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Fatalf("NewRenderer error code = %q, want %q: %v", thankyou.ErrorCode(err), thankyou.EINVALID, err)
			}
			return
		}
		d := message.Data{FirstName: first, OrderNumber: number, ShopName: "Shop"}
		for _, ch := range []thankyou.Channel{thankyou.ChannelSMS, thankyou.ChannelStaff} {
			got, err := r.Render(ch, d)
			if err != nil {
				continue
			}
			if got == "" || got != strings.TrimSpace(got) {
				t.Fatalf("Render(%s) = %q, want non-empty and trimmed", ch, got)
			}
			if utf8.RuneCountInString(got) > message.MaxLength {
				t.Fatalf("Render(%s) = %d characters, over %d", ch, utf8.RuneCountInString(got), message.MaxLength)
			}
		}
	})
}

func TestRenderReminderFitsTwoSegments(t *testing.T) {
	r := mustRenderer(t, "", "")
	d := message.Data{
		FirstName: "Ada", CustomerName: "Ada Lovelace", OrderNumber: "1001", Total: "49.90", Currency: "USD",
		CustomerPhone: "+1 212-555-0123", OrderedAgo: "3 days ago", CallUntil: "17:00",
	}
	long := "Handmade stoneware, glazed, speckled " // items are at most 40 characters
	longName := d
	longName.FirstName, longName.CustomerName = "Maximiliana", "Maximiliana Alexandra Konstantinopoulou-Vanderbilt"
	// A name outside GSM-7 makes the reminder UCS-2 (67 characters a
	// segment): even without items it takes three.
	polish := d
	polish.FirstName, polish.CustomerName = "Łukasz", "Łukasz Żółć"
	tests := []struct {
		name      string
		d         message.Data
		items     []string
		wantItems string // what the reminder lists after the colon
	}{
		{"all items fit", d, []string{"2 × Blue mug", "Tea towel"}, ": 2 x Blue mug, Tea towel."},
		{"the last items are dropped", longName, []string{"3 × " + long + "mug", "2 × " + long + "bowl", long + "plate"}, ": 3 x " + long + "mug, 2 x " + long + "bowl."},
		{"UCS-2 drops every item", polish, []string{"Blue mug"}, ""},
		{"no items", d, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.RenderReminder(tt.d, tt.items)
			if err != nil {
				t.Fatal(err)
			}
			if segs, enc := message.Segments(got); segs > message.MaxReminderSegments && enc != message.UCS2 {
				t.Errorf("reminder takes %d %s segments: %q", segs, enc, got)
			}
			if tt.wantItems != "" && !strings.Contains(got, tt.wantItems) {
				t.Errorf("reminder %q does not list %q", got, tt.wantItems)
			}
			if tt.wantItems == "" && strings.Contains(got, "3 days ago:") {
				t.Errorf("reminder %q lists items", got)
			}
		})
	}
}

func TestAgo(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, ny)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now.Add(-time.Hour), "today"},
		{time.Date(2026, 11, 22, 23, 59, 0, 0, ny), "yesterday"},
		{now.AddDate(0, 0, -3), "3 days ago"},
		{now.AddDate(0, 0, -20), "2 weeks ago"},
		{now.Add(time.Hour), ""},
		{time.Time{}, ""},
	}
	for _, tt := range tests {
		if got := message.Ago(tt.t, now, ny); got != tt.want {
			t.Errorf("Ago(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

func TestVoiceTexts(t *testing.T) {
	d := message.Data{FirstName: "Ada", OrderNumber: "1001", ShopName: "Example Shop"}
	if got, want := message.VoiceText(d), "Hello Ada. This is Example Shop, calling to thank you for your order number 1001. We really appreciate it, and we hope you enjoy it. Have a wonderful day. Goodbye!"; got != want {
		t.Errorf("VoiceText = %q, want %q", got, want)
	}
	vm := message.VoicemailText(d)
	if vm != "Hello Ada, this is Example Shop. Just a quick call to say thank you for your order. Have a wonderful day!" {
		t.Errorf("VoicemailText = %q", vm)
	}
	if len(vm) >= len(message.VoiceText(d)) {
		t.Error("the voicemail is not shorter than the call's message")
	}
	if got := message.VoiceText(message.Data{}); got != "Hello. This is our shop, calling to thank you for your order. We really appreciate it, and we hope you enjoy it. Have a wonderful day. Goodbye!" {
		t.Errorf("VoiceText(empty) = %q", got)
	}
}

func TestCallList(t *testing.T) {
	call := func(n, name, phone string) thankyou.Task {
		return thankyou.Task{Order: thankyou.Order{Number: "#" + n, CustomerName: name, Phone: phone}}
	}
	calls := []thankyou.Task{call("1001", "Jane Doe", "+12125550123"), call("1002", "", ""), call("1003", "Ken Ito", "+14155550142")}
	tests := []struct {
		lead      string
		calls     []thankyou.Task
		max       int
		withPhone bool
		want      string
	}{
		{"", calls[:1], 5, true, "1 open thank-you call:\n#1001 Jane Doe +1 212-555-0123"},
		{"End of day: ", calls, 5, false, "End of day: 3 open thank-you calls:\n#1001 Jane Doe\n#1002 the customer\n#1003 Ken Ito"},
		{"", calls, 2, false, "3 open thank-you calls:\n#1001 Jane Doe\n#1002 the customer\n...and 1 more"},
	}
	for _, tt := range tests {
		if got := message.CallList(tt.lead, tt.calls, tt.max, tt.withPhone); got != tt.want {
			t.Errorf("CallList(%q, %d calls, %d, %v) = %q, want %q", tt.lead, len(tt.calls), tt.max, tt.withPhone, got, tt.want)
		}
	}
}
