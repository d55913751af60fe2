//go:build unix

package twilio

// Contract test: what the adapter sends must be valid against Twilio's own
// OpenAPI description of REST API v2010 (../shared/twilio from the repo
// root). Prism serves a mock from it that answers 422 to a request breaking
// the description and 401 to one without basic auth.
//
// The tests start Prism from infra/node_modules once per package run, or
// use THANKYOU_TEST_PRISM_URL when set, for a Prism started as:
//
//	infra/node_modules/.bin/prism mock -h 127.0.0.1 -p 4010 ../shared/twilio/twilio_api_v2010.json
//
// Prism runs without --errors: that flag also checks Prism's own answers,
// and the List Messages examples in Twilio's description break its schema
// (relative first_page_uri where the schema says format "uri"), so every
// list would be answered 500. Request checking is the same either way.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

const (
	contractAccountSID = "AC0123456789abcdef0123456789abcdef"
	contractAuthToken  = "0123456789abcdef0123456789abcdef"
	contractFrom       = "+14155550100"
	contractTo         = "+14155550123"
	contractCallback   = "https://example.com/twilio/status?task=t-1"
)

// prism is the Prism process shared by the package's contract tests.
var prism struct {
	once sync.Once
	url  string
	err  error
	cmd  *exec.Cmd
	out  *syncBuffer
	exit chan struct{} // closed when the process ended
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopPrism()
	os.Exit(code)
}

// prismURL returns the base URL of a Prism mock of Twilio's API, starting
// one on first use.
func prismURL(t *testing.T) string {
	t.Helper()
	if u := os.Getenv("THANKYOU_TEST_PRISM_URL"); u != "" {
		return strings.TrimRight(u, "/")
	}
	prism.once.Do(func() { prism.url, prism.err = startPrism() })
	if prism.err != nil {
		t.Fatalf("start Prism: %v", prism.err)
	}
	return prism.url
}

func startPrism() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, "infra", "node_modules", ".bin", "prism")
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("%s is missing: run `npm ci --prefix infra` in %s (or set THANKYOU_TEST_PRISM_URL)", bin, root)
	}
	spec := filepath.Join(root, "..", "shared", "twilio", "twilio_api_v2010.json")
	if _, err := os.Stat(spec); err != nil {
		return "", fmt.Errorf("Twilio's API description: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return "", err
	}
	prism.out = &syncBuffer{}
	cmd := exec.Command(bin, "mock", "-h", "127.0.0.1", "-p", port, spec)
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = prism.out, prism.out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // so that stopPrism ends its children too
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("run %s (is node installed?): %w", bin, err)
	}
	prism.cmd = cmd
	prism.exit = make(chan struct{})
	go func() { cmd.Wait(); close(prism.exit) }()

	base := "http://127.0.0.1:" + port
	probe := base + "/2010-04-01/Accounts/" + contractAccountSID + "/Messages.json"
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-prism.exit:
			return "", fmt.Errorf("prism exited early:\n%s", prism.out)
		case <-time.After(250 * time.Millisecond):
		}
		if resp, err := client.Get(probe); err == nil {
			resp.Body.Close()
			return base, nil
		}
	}
	return "", fmt.Errorf("prism did not listen on %s within 90s:\n%s", base, prism.out)
}

// stopPrism ends the Prism process group, if one was started.
func stopPrism() {
	if prism.cmd == nil {
		return
	}
	pgid := prism.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-prism.exit:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-prism.exit
	}
}

// repoRoot is the nearest directory above the working directory holding go.mod.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	_, port, err := net.SplitHostPort(ln.Addr().String())
	return port, err
}

// syncBuffer collects a process's output safely.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func contractClient(t *testing.T, base string, edit func(*Config)) *Client {
	t.Helper()
	cfg := Config{AccountSID: contractAccountSID, AuthToken: contractAuthToken, From: contractFrom, BaseURL: base}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestRequestsMeetTwilioContract(t *testing.T) {
	base := prismURL(t)
	ctx := context.Background()

	t.Run("SendSMS with From", func(t *testing.T) {
		c := contractClient(t, base, nil)
		sid, err := c.SendSMS(ctx, contractTo, "Thank you for your order! 👍", contractCallback)
		if err != nil || sid == "" {
			t.Errorf("SendSMS = %q, %v; want Prism to accept it", sid, err)
		}
	})
	t.Run("SendSMS with messaging service", func(t *testing.T) {
		c := contractClient(t, base, func(cfg *Config) { cfg.From, cfg.MessagingServiceSID = "", "MG0123456789abcdef0123456789abcdef" })
		sid, err := c.SendSMS(ctx, contractTo, "Thanks!", "")
		if err != nil || sid == "" {
			t.Errorf("SendSMS = %q, %v; want Prism to accept it", sid, err)
		}
	})
	t.Run("StartCall", func(t *testing.T) {
		c := contractClient(t, base, nil)
		opts := CallOptions{MachineDetection: MachineDetectionMessageEnd, Timeout: 25 * time.Second}
		// No status callback: Prism reads repeated form keys as a string, so
		// it refuses StatusCallbackEvent (an array in the description) as
		// Twilio itself does not; the twiliotest tests check those events.
		sid, err := c.StartCall(ctx, contractTo, contractFrom, "https://example.com/twilio/voice?task=t-1", "", opts)
		if err != nil || sid == "" {
			t.Errorf("StartCall = %q, %v; want Prism to accept it", sid, err)
		}
	})
	t.Run("FindSent", func(t *testing.T) {
		c := contractClient(t, base, nil)
		if _, _, err := c.FindSent(ctx, contractTo, "", time.Now().Add(-time.Hour)); err != nil {
			t.Errorf("FindSent: %v; want Prism to accept the list request", err)
		}
	})
}

// TestPrismRefusesBrokenRequests shows that the contract check is real: the
// same mock refuses requests that break Twilio's description.
func TestPrismRefusesBrokenRequests(t *testing.T) {
	base := prismURL(t)
	ctx := context.Background()

	t.Run("adapter with a malformed AccountSid", func(t *testing.T) {
		c := contractClient(t, base, nil)
		c.accountSID = "ACnothex"
		_, err := c.SendSMS(ctx, contractTo, "Thanks!", contractCallback)
		var se *thankyou.SendError
		if !errors.As(err, &se) || se.Status != http.StatusUnprocessableEntity || se.Temporary {
			t.Errorf("SendSMS error = %v, want a final 422 *thankyou.SendError", err)
		}
	})

	messages := base + "/2010-04-01/Accounts/" + contractAccountSID + "/Messages.json"
	valid := url.Values{"To": {contractTo}, "From": {contractFrom}, "Body": {"Thanks!"}}
	without := func(key string) url.Values {
		v := url.Values{}
		for k, vs := range valid {
			if k != key {
				v[k] = vs
			}
		}
		return v
	}
	tests := []struct {
		name       string
		url        string
		form       url.Values
		auth       bool
		wantStatus int
	}{
		{"valid, as a control", messages, valid, true, http.StatusCreated},
		{"malformed AccountSid", base + "/2010-04-01/Accounts/ACnothex/Messages.json", valid, true, http.StatusUnprocessableEntity},
		{"no To", messages, without("To"), true, http.StatusUnprocessableEntity},
		{"StatusCallback not a URI", messages, func() url.Values { v := without(""); v.Set("StatusCallback", "not a uri"); return v }(), true, http.StatusUnprocessableEntity},
		{"no basic auth", messages, valid, false, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, tt.url, strings.NewReader(tt.form.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.auth {
				req.SetBasicAuth(contractAccountSID, contractAuthToken)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
		})
	}
}
