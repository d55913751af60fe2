package samtemplate

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/config"
)

// A stack update that replaces the table, or a deleted stack, must not
// delete the customers' data with it: every table is retained, and the
// docs say how to delete one on purpose.
func TestTablesAreRetainedOnStackChanges(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	tables := resourcesOfType(tpl, "AWS::DynamoDB::Table")
	if len(tables) == 0 {
		t.Fatal("no table in the template")
	}
	for id := range tables {
		res, _ := tpl.Resources()[id].(map[string]any)
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if got := res[policy]; got != "Retain" {
				t.Errorf("%s: %s = %v, want Retain", id, policy, got)
			}
		}
	}
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	if doc := string(b); !strings.Contains(doc, "DeletionPolicy") || !strings.Contains(doc, "aws dynamodb delete-table") {
		t.Error("docs/security.md does not say that the table is retained and how to delete it on purpose")
	}
}

// The template gives the dispatcher its own timeout and schedule, and a
// default lease that outlasts both: a run cannot outlive the claims it
// made.
func TestTheDefaultLeaseOutlastsTheDispatchersTimeoutAndSchedule(t *testing.T) {
	tpl := mustLoadRepoTemplate(t)
	fn := mustFunctions(t, tpl)[config.Dispatcher]
	env := environment(tpl, fn)
	timeout, ok := fn.props["Timeout"].(int)
	if !ok {
		t.Fatalf("the dispatcher's Timeout = %v, want seconds", fn.props["Timeout"])
	}
	if got := env["DISPATCH_TIMEOUT"]; got != strconv.Itoa(timeout)+"s" {
		t.Errorf("DISPATCH_TIMEOUT = %v, want the function's Timeout, %ds", got, timeout)
	}
	if ref, _ := env["DISPATCH_SCHEDULE"].(map[string]any); ref["Ref"] != "DispatchSchedule" {
		t.Errorf("DISPATCH_SCHEDULE = %v, want !Ref DispatchSchedule", env["DISPATCH_SCHEDULE"])
	}
	params := parameters(tpl)
	cfg, err := config.LoadDispatcher(func(k string) string {
		return map[string]string{
			"TABLE_NAME": "t", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "x", "PUBLIC_BASE_URL": "https://x", "TWILIO_FROM": "+15005550006",
			"LEASE_DURATION":    fmt.Sprint(params["LeaseDuration"]["Default"]),
			"DISPATCH_SCHEDULE": fmt.Sprint(params["DispatchSchedule"]["Default"]),
			"DISPATCH_TIMEOUT":  strconv.Itoa(timeout) + "s",
		}[k]
	})
	if err != nil {
		t.Fatalf("the template's defaults: %v", err)
	}
	if cfg.Lease <= time.Duration(timeout)*time.Second || cfg.Lease <= cfg.SchedulePeriod {
		t.Errorf("default lease %s, timeout %ds, schedule period %s: want the lease longest", cfg.Lease, timeout, cfg.SchedulePeriod)
	}
}
