package operator_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestShopsPutSetsTheTriggerLanguageAndTemplatesByLanguage(t *testing.T) {
	tool, out, store := newTool(t)
	file := filepath.Join(t.TempDir(), "sms-ja.txt")
	if err := os.WriteFile(file, []byte("{{.FirstName}}、ご注文#{{.OrderNumber}}ありがとうございました！\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"shops", "put", "--source", "shopify", "--id", "shop-j.myshopify.com", "--name", "ShopJ",
		"--secret-ref", "/thankyou/shops/shop-j", "--trigger", "delivery", "--max-wait", "480h", "--language", "de-AT",
		"--sms-template-es", "¡Gracias, {{.FirstName}}!", "--sms-template-ja", "@" + file}
	if err := tool.Run(context.Background(), args); err != nil {
		t.Fatal(err)
	}
	sh, err := store.GetShop(context.Background(), thankyou.SourceShopify, "shop-j.myshopify.com")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Trigger != thankyou.TriggerDelivery || sh.MaxWait != 480*time.Hour || sh.Language != "de" {
		t.Errorf("stored trigger %q, max wait %v, language %q", sh.Trigger, sh.MaxWait, sh.Language)
	}
	if sh.SMSTemplates["es"] != "¡Gracias, {{.FirstName}}!" || sh.SMSTemplates["ja"] != "{{.FirstName}}、ご注文#{{.OrderNumber}}ありがとうございました！" {
		t.Errorf("stored templates %q", sh.SMSTemplates)
	}
	got := runOut(t, tool, out, "shops", "get", "--source", "shopify", "--id", "shop-j.myshopify.com")
	for _, want := range []string{"delivery (at most 480h0m0s)", "de", "es, ja"} {
		if !strings.Contains(got, want) {
			t.Errorf("shops get does not show %q:\n%s", want, got)
		}
	}
	// A later put changes only what it gives: the trigger, the wait, the
	// language and the other language's template are kept; a template given
	// empty is removed.
	if err := tool.Run(context.Background(), []string{"shops", "put", "--source", "shopify", "--id", "shop-j.myshopify.com",
		"--name", "ShopJ2", "--sms-template-es", ""}); err != nil {
		t.Fatal(err)
	}
	if sh, err = store.GetShop(context.Background(), thankyou.SourceShopify, "shop-j.myshopify.com"); err != nil {
		t.Fatal(err)
	}
	if sh.Name != "ShopJ2" || sh.Trigger != thankyou.TriggerDelivery || sh.MaxWait != 480*time.Hour || sh.Language != "de" {
		t.Errorf("after a partial put: name %q, trigger %q, max wait %v, language %q", sh.Name, sh.Trigger, sh.MaxWait, sh.Language)
	}
	if _, ok := sh.SMSTemplates["es"]; ok || sh.SMSTemplates["ja"] == "" {
		t.Errorf("after --sms-template-es \"\": templates %q, want ja only", sh.SMSTemplates)
	}
	for _, bad := range [][]string{
		{"--trigger", "shipping"},
		{"--language", "klingon"},
		{"--sms-template-fr", "{{.Nope}}"},
		{"--staff-template-pt", "@" + filepath.Join(t.TempDir(), "missing.txt")},
	} {
		line := append([]string{"shops", "put", "--source", "shopify", "--id", "x.myshopify.com", "--name", "X", "--secret-ref", "/thankyou/shops/x"}, bad...)
		if err := tool.Run(context.Background(), line); err == nil {
			t.Errorf("%s: accepted", strings.Join(bad, " "))
		}
	}
}

func TestTasksListShowsTasksAwaitingTheirFulfilment(t *testing.T) {
	tool, out, store := newTool(t)
	created := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	waiting := pendingTask("7001", created, time.Time{})
	waiting.State, waiting.Trigger, waiting.Deadline = thankyou.StateAwaitingFulfilment, thankyou.TriggerFulfilment, created.Add(720*time.Hour)
	other := pendingTask("7002", created, created.Add(72*time.Hour))
	for _, task := range []thankyou.Task{waiting, other} {
		if _, err := store.CreateTask(context.Background(), task); err != nil {
			t.Fatal(err)
		}
	}
	got := runOut(t, tool, out, "tasks", "list", "--state", "awaiting_fulfilment")
	if !strings.Contains(got, waiting.ID) || strings.Contains(got, other.ID) || !strings.Contains(got, "awaiting_fulfilment") {
		t.Errorf("tasks list --state awaiting_fulfilment:\n%s", got)
	}
	got = runOut(t, tool, out, "tasks", "show", "--id", waiting.ID)
	for _, want := range []string{"the order's fulfilment", "waits until (UTC)", "2026-12-20 12:00"} {
		if !strings.Contains(got, want) {
			t.Errorf("tasks show lacks %q:\n%s", want, got)
		}
	}
}
