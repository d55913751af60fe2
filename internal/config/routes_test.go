package config

import (
	"slices"
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
)

// TestTheTwilioWebhookServesTheAdaptersPaths: the routes (which
// template.yaml's test checks) are the Twilio adapter's paths, each once.
func TestTheTwilioWebhookServesTheAdaptersPaths(t *testing.T) {
	var want []string
	for _, p := range twilio.Paths() {
		want = append(want, "POST "+p)
	}
	got := slices.Clone(Routes[TwilioWebhook])
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("twilio-webhook routes = %q, want the adapter's paths %q", got, want)
	}
}
