package app_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/thankyoucalls/thankyoucalls/"

// orderOnly are the packages only the order webhook may link: the order
// sources and their handler.
var orderOnly = []string{
	module + "internal/shopify",
	module + "internal/woocommerce",
	module + "internal/stripe",
	module + "internal/generic",
	module + "internal/orderhook",
	module + "internal/shops",
	module + "internal/app/orderwebhook",
}

// isOrderOnly reports whether pkg must stay out of the dispatcher and the
// Twilio webhook.
func isOrderOnly(pkg string) bool {
	for _, p := range orderOnly {
		if pkg == p || strings.HasPrefix(pkg, p+"/") {
			return true
		}
	}
	return false
}

// deps lists the packages a function's binary links, as sam build builds
// it (linux, the lambda.norpc tag).
func deps(t *testing.T, fn string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", module+"functions/"+fn)
	cmd.Env = append(cmd.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", fn, err)
	}
	return strings.Fields(string(out))
}

func TestOnlyTheOrderWebhookLinksOrderSources(t *testing.T) {
	for _, fn := range []string{"dispatcher", "twilio-webhook"} {
		t.Run(fn, func(t *testing.T) {
			for _, p := range deps(t, fn) {
				if isOrderOnly(p) {
					t.Errorf("%s links %s", fn, p)
				}
			}
		})
	}
	// The check can fail: the order webhook does link them.
	var found int
	for _, p := range deps(t, "order-webhook") {
		if isOrderOnly(p) {
			found++
		}
	}
	if found < len(orderOnly) {
		t.Errorf("order-webhook links %d order-only packages, want at least %d: the list is out of date", found, len(orderOnly))
	}
}

// heavy are packages no function may link: the SDK's SSM and Secrets
// Manager clients (secrets are read with internal/secret's own two signed
// calls) and a JSON Schema library (whose package initialisation parses
// its meta-schemas at every cold start; the generic source checks
// order.schema.json's rules in plain Go, held to the schema by its tests).
var heavy = []string{
	"github.com/aws/aws-sdk-go-v2/service/ssm",
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager",
	"github.com/santhosh-tekuri/jsonschema",
}

func TestNoFunctionLinksHeavyPackages(t *testing.T) {
	for _, fn := range []string{"order-webhook", "dispatcher", "twilio-webhook"} {
		t.Run(fn, func(t *testing.T) {
			for _, p := range deps(t, fn) {
				for _, h := range heavy {
					if p == h || strings.HasPrefix(p, h+"/") {
						t.Errorf("%s links %s", fn, p)
					}
				}
			}
		})
	}
}
