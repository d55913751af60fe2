package dispatch_test

import (
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestEachTaskIsSentInItsLanguage: a task in the dispatcher's language
// gets its configured texts, a task in another language that language's
// built-in texts, a task with a shop's own template that template.
func TestEachTaskIsSentInItsLanguage(t *testing.T) {
	f := newFixture(t)
	f.addTask(t, "configured", func(task *thankyou.Task) { task.Language = language.English })
	f.addTask(t, "old", func(task *thankyou.Task) { task.Language = "" })
	f.addTask(t, "japanese", func(task *thankyou.Task) {
		task.Language, task.Order.Locale, task.Order.FirstName, task.Order.FamilyName = language.Japanese, "ja", "太郎", "山田"
	})
	f.addTask(t, "own", func(task *thankyou.Task) {
		task.Language, task.Template = language.Spanish, "¡Gracias, {{.FirstName}}! Pedido {{.OrderNumber}}."
	})
	h := f.handler(t)
	configured, err := message.NewRenderer("Thanks {{.FirstName}}, from the configured text.", "")
	if err != nil {
		t.Fatal(err)
	}
	h.Renderer, h.Language = configured, language.English
	if s := run(t, h); s.Sent != 4 {
		t.Fatalf("run = %+v, want 4 sent", s)
	}
	want := map[string]bool{
		"Thanks Jane, from the configured text.": false,
		"山田様、この度はDemo Shopでご注文（#1001）いただき、誠にありがとうございます。心より感謝申し上げます。": false,
		"¡Gracias, Jane! Pedido 1001.": false,
	}
	configuredSeen := 0
	for _, m := range f.twilio.Messages() {
		if _, ok := want[m.Body]; !ok {
			t.Errorf("unexpected message %q", m.Body)
		}
		want[m.Body] = true
		if m.Body == "Thanks Jane, from the configured text." {
			configuredSeen++
		}
	}
	for body, seen := range want {
		if !seen {
			t.Errorf("no message %q", body)
		}
	}
	if configuredSeen != 2 {
		t.Errorf("the configured text went out %d times, want 2 (the English task and the task without a language)", configuredSeen)
	}
}
