package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRunTakesCredentialsFromEnvAndLogsMaskedNumbers(t *testing.T) {
	const sid, token = "AC0123456789abcdef0123456789abcdef", "token123"
	env := map[string]string{"TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": token}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0"}, func(k string) string { return env[k] }, pw)
		pw.Close()
	}()
	logLines := make(chan string, 100)
	go func() {
		defer close(logLines)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logLines <- sc.Text()
		}
	}()
	var line string
	next := func() map[string]any {
		t.Helper()
		var ok bool
		if line, ok = <-logLines; !ok {
			t.Fatalf("no more log lines")
		}
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		return v
	}

	base, _ := next()["url"].(string)
	form := url.Values{"To": {"+14155550123"}, "From": {"+14155550100"}, "Body": {"Thanks!"}}
	req, _ := http.NewRequest(http.MethodPost, base+"/2010-04-01/Accounts/"+sid+"/Messages.json", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(sid, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("create message with the env credentials: status %d, want 201", resp.StatusCode)
	}

	accepted := next()
	if accepted["msg"] != "message accepted" || accepted["to"] != "+1********23" {
		t.Errorf("log line = %s, want a message accepted line with to +1********23", line)
	}
	if strings.Contains(line, "+14155550123") || strings.Contains(line, "Thanks!") {
		t.Errorf("log line %s shows the number or the body", line)
	}

	cancel()
	if err := <-done; err != nil {
		t.Errorf("run = %v, want nil after interrupt", err)
	}
}

func TestRunNeedsCredentials(t *testing.T) {
	err := run(context.Background(), []string{"-addr", "127.0.0.1:0"}, func(string) string { return "" }, io.Discard)
	if err == nil {
		t.Errorf("run without credentials = nil, want an error")
	}
}
