package operator_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestOperatorOptOutsTakeEffectAtOnceAndAreMasked(t *testing.T) {
	tool, out, store := newTool(t)
	ctx := context.Background()
	// Jane texted STOP; Sam asked by email.
	if err := store.SetOptOut(ctx, "+12125550123", "STOP", time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	if err := tool.Run(ctx, []string{"optouts", "add", "--phone", "(415) 555-0142", "--reason", "asked by email"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "5550142") {
		t.Errorf("add shows the number in clear: %s", out)
	}
	// Effective at once: the gate refuses the number from the next check on.
	gate := &contact.Gate{Consent: store}
	ny, _ := time.LoadLocation("America/New_York")
	w, _ := thankyou.ParseWindow("09:00", "20:00", "Mon-Sun")
	d, err := gate.Check(ctx, contact.Contact{Kind: contact.KindSMS, To: "+14155550142", Zones: []*time.Location{ny}, Window: w, Task: "x"}, time.Date(2026, 11, 23, 17, 0, 0, 0, time.UTC))
	if err != nil || d.Outcome != contact.Refuse || d.Code != contact.CodeOptedOut {
		t.Fatalf("gate after optouts add: %+v %v, want refused opted_out", d, err)
	}

	out.Reset()
	if err := run(t, tool, "optouts list"); err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"+1********42", "operator", "asked by email", "+1********23", "STOP"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("list lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out.String(), "5550142") || strings.Contains(out.String(), "5550123") {
		t.Errorf("list shows a number in clear:\n%s", out)
	}
	out.Reset()
	if err := run(t, tool, "optouts list --json"); err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	if err := json.Unmarshal(out.Bytes(), &list); err != nil || len(list) != 2 || list[0]["phone"] != "+1********42" || list[0]["optedOut"] != true {
		t.Fatalf("list --json = %s (%v), want the newest first, masked", out, err)
	}

	check := func(number string) map[string]any {
		t.Helper()
		out.Reset()
		if err := tool.Run(ctx, []string{"optouts", "check", "--phone", number, "--json"}); err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := json.Unmarshal(out.Bytes(), &v); err != nil {
			t.Fatalf("check --json = %s: %v", out, err)
		}
		return v
	}
	if v := check("+1 212 555 0123"); v["optedOut"] != true || v["keyword"] != "STOP" {
		t.Errorf("check Jane = %v, want opted out by STOP", v)
	}
	if v := check("+1 212 555 0999"); v["optedOut"] != false {
		t.Errorf("check an unknown number = %v, want optedOut false", v)
	}

	if err := run(t, tool, "optouts remove --phone +14155550142"); !errors.Is(err, operator.ErrUsage) {
		t.Fatalf("remove without --yes: %v, want a usage error", err)
	}
	if v := check("+14155550142"); v["optedOut"] != true {
		t.Fatalf("removed without --yes: %v", v)
	}
	out.Reset()
	if err := run(t, tool, "optouts remove --phone +14155550142 --yes"); err != nil {
		t.Fatal(err)
	}
	if v := check("+14155550142"); v["optedOut"] != false {
		t.Errorf("after remove --yes: %v, want optedOut false", v)
	}
	for _, line := range []string{"optouts add", "optouts check --phone not-a-number"} {
		if err := run(t, tool, line); err == nil {
			t.Errorf("%s: no error", line)
		}
	}
}
