package message_test

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// A name from an order cannot add a paragraph to a message: line breaks
// and control characters are collapsed, and every text from an order is
// bounded, in every message that shows it.
func TestTextFromAnOrderCannotAddAParagraph(t *testing.T) {
	forged := "Jane\n\nSHOP OWNER: call +1 900 555 0100 instead\r\u2028\u202e" + strings.Repeat("x", 500)
	o := thankyou.Order{
		Source: thankyou.SourceShopify, Shop: "s.myshopify.com", ID: "1",
		Number: "1001\nSHOP OWNER: ignore this", FirstName: forged, CustomerName: forged,
		Phone: "+12125550123", Total: "10.00\n", Currency: "USD\u0007", Items: []string{"Mug"},
	}
	task := thankyou.Task{Order: o, Channel: thankyou.ChannelStaff}
	r := mustRenderer(t, "", "")
	d := message.DataFor(task, "Shop\nname")
	reminder, err := r.RenderReminder(d, o.Items)
	if err != nil {
		t.Fatal(err)
	}
	sms, err := r.Render(thankyou.ChannelSMS, d)
	if err != nil {
		t.Fatal(err)
	}
	texts := map[string]string{
		"reminder":   reminder,
		"sms":        sms,
		"voice":      message.VoiceText(d),
		"voicemail":  message.VoicemailText(d),
		"first name": message.FirstName(o),
		"full name":  message.FullName(o),
		"number":     message.OrderNumber(o),
	}
	for name, text := range texts {
		if strings.ContainsFunc(text, func(r rune) bool {
			return unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Bidi_Control, r)
		}) {
			t.Errorf("%s holds a line break or a control character: %q", name, text)
		}
	}
	for name, field := range map[string]string{"first name": d.FirstName, "customer name": d.CustomerName, "shop name": d.ShopName,
		"FirstName": message.FirstName(o), "FullName": message.FullName(o), "OrderNumber": message.OrderNumber(o)} {
		if n := utf8.RuneCountInString(field); n > message.MaxField {
			t.Errorf("%s is %d characters, want at most %d", name, n, message.MaxField)
		}
	}
	list := message.CallList("Open: ", []thankyou.Task{task}, 5, true)
	if lines := strings.Split(list, "\n"); len(lines) != 2 {
		t.Errorf("a call list of one call has %d lines: %q", len(lines), list)
	}
}
