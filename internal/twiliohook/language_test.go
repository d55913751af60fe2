package twiliohook_test

import (
	"strings"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twiliohook"
)

// TestTheAutomatedCallSpeaksTheCustomersLanguage: the TwiML of a call in
// Japanese says the Japanese text, greeting the family name with 様, in
// the task's <Say> language.
func TestTheAutomatedCallSpeaksTheCustomersLanguage(t *testing.T) {
	task := thankyou.Task{
		ID: "shopify:kissa:1", Channel: thankyou.ChannelCall, Language: "ja",
		Order: thankyou.Order{Number: "1004", FirstName: "太郎", FamilyName: "山田", Locale: "ja"},
		Voice: thankyou.Voice{Consent: true, Language: "ja-JP"},
	}
	for _, machine := range []bool{false, true} {
		got := twiliohook.VoiceTwiML(task, "Kissa", machine)
		if !strings.Contains(got, `<Say language="ja-JP">山田様、`) || !strings.Contains(got, "Kissaでございます") {
			t.Errorf("machine %v: TwiML %s", machine, got)
		}
	}
}
