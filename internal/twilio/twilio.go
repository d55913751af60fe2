// Package twilio sends SMS and places calls through Twilio's REST API with
// the official twilio-go library, and reports refusals as
// *thankyou.SendError (final or temporary, with Twilio's error code and
// Retry-After). It can talk to a Twilio-compatible server instead of
// api.twilio.com (see package twiliotest), which twilio-go alone cannot.
//
// It owns Twilio's protocol, which no other package spells: the message
// and call statuses of Twilio's callbacks and what each means for a task,
// the answering machine verdicts, the error codes' meanings, the callback
// paths and URLs, and the TwiML documents.
package twilio

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	twclient "github.com/twilio/twilio-go/client"
	twapi "github.com/twilio/twilio-go/rest/api/v2010"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// DefaultTimeout is the per-request timeout when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

const (
	// pageSize is how many messages FindSent asks for per page.
	pageSize = 100
	// maxPages bounds FindSent's paging.
	maxPages = 20
)

// isSID reports whether s is prefix and 32 hexadecimal digits, as an
// account (AC) or Messaging Service (MG) SID. Plain loops, not regular
// expressions: nothing is compiled when the process starts.
func isSID(s, prefix string) bool {
	if len(s) != len(prefix)+32 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, c := range s[len(prefix):] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isToken reports whether s is a non-empty run of ASCII letters and
// digits: twilio-go refuses credentials with other characters.
func isToken(s string) bool {
	for _, c := range s {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}

// Config configures a Client.
type Config struct {
	AccountSID, AuthToken string
	// From is the E.164 sender (or short code, or alphanumeric sender ID).
	From string
	// MessagingServiceSID ("MG...") is used instead of From when set.
	MessagingServiceSID string
	// BaseURL is "" for real Twilio (https://api.twilio.com), else the base
	// URL of a Twilio-compatible server, e.g. "http://127.0.0.1:8001".
	BaseURL string
	// Timeout is the limit for each request to Twilio; zero means
	// DefaultTimeout.
	Timeout time.Duration
}

// Client sends SMS with Twilio. It is safe for concurrent use; build one
// per process and share it.
type Client struct {
	accountSID          string
	creds               *twclient.Credentials
	from                string
	messagingServiceSID string
	base                *url.URL // nil for real Twilio
	timeout             time.Duration
	transport           http.RoundTripper // shared connection pool
}

// New checks cfg and returns a Client. An invalid cfg gives a
// *thankyou.Error with code EINVALID.
func New(cfg Config) (*Client, error) {
	if !isSID(cfg.AccountSID, "AC") {
		return nil, thankyou.Errorf(thankyou.EINVALID, "twilio account SID must be AC followed by 32 hex digits")
	}
	if !isToken(cfg.AuthToken) {
		return nil, thankyou.Errorf(thankyou.EINVALID, "twilio auth token must be a non-empty string of letters and digits")
	}
	switch {
	case cfg.MessagingServiceSID != "" && !isSID(cfg.MessagingServiceSID, "MG"):
		return nil, thankyou.Errorf(thankyou.EINVALID, "twilio messaging service SID must be MG followed by 32 hex digits")
	case cfg.MessagingServiceSID == "" && cfg.From == "":
		return nil, thankyou.Errorf(thankyou.EINVALID, "twilio needs a From number or a messaging service SID")
	}
	if cfg.Timeout < 0 {
		return nil, thankyou.Errorf(thankyou.EINVALID, "twilio timeout must not be negative")
	}
	c := &Client{
		accountSID:          cfg.AccountSID,
		creds:               twclient.NewCredentials(cfg.AccountSID, cfg.AuthToken),
		from:                cfg.From,
		messagingServiceSID: cfg.MessagingServiceSID,
		timeout:             cfg.Timeout,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if cfg.BaseURL != "" {
		u, err := url.Parse(cfg.BaseURL)
		if err != nil {
			return nil, thankyou.WrapError(thankyou.EINVALID, "twilio base URL cannot be parsed", err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return nil, thankyou.Errorf(thankyou.EINVALID, "twilio base URL must be http(s)://host[:port] without a path")
		}
		c.base = &url.URL{Scheme: u.Scheme, Host: u.Host}
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	c.transport = t
	return c, nil
}

// SendSMS asks Twilio to send body to the E.164 number to, with Twilio
// posting status changes to statusCallback when it is not "". It returns
// the new message's SID.
//
// When Twilio does not accept the message the error wraps a
// *thankyou.SendError: temporary for 429, 5xx, timeouts and connection
// errors, final for other refusals (21211 invalid number, 21610
// unsubscribed, 21614 not a mobile number, 20003 bad credentials...).
// A temporary error after a timeout or a lost connection does not prove
// that Twilio refused: check with FindSent before sending again.
// If ctx is done before sending, SendSMS returns an error wrapping ctx.Err().
func (c *Client) SendSMS(ctx context.Context, to, body, statusCallback string) (sid string, err error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("send sms to %s: %w", phone.Mask(to), err)
	}
	if to == "" || body == "" {
		return "", thankyou.Errorf(thankyou.EINVALID, "an sms needs a recipient and a body")
	}
	params := &twapi.CreateMessageParams{}
	params.SetTo(to)
	params.SetBody(body)
	if c.messagingServiceSID != "" {
		params.SetMessagingServiceSid(c.messagingServiceSID)
	} else {
		params.SetFrom(c.from)
	}
	if statusCallback != "" {
		params.SetStatusCallback(statusCallback)
	}
	var msg *twapi.ApiV2010Message
	err = c.do(ctx, func(api *twapi.ApiService) (err error) {
		msg, err = api.CreateMessage(params)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("send sms to %s: %w", phone.Mask(to), err)
	}
	if msg.Sid == nil || *msg.Sid == "" {
		// Accepted, but we cannot tell which message it is.
		return "", fmt.Errorf("send sms to %s: %w", phone.Mask(to),
			&thankyou.SendError{Status: http.StatusCreated, Message: "answer carries no message sid", Temporary: true})
	}
	return *msg.Sid, nil
}

// FindSent looks for an outbound message to the number to that Twilio
// accepted at or after since (to the second, as Twilio records it), and
// returns its SID. It serves the check before sending again a message
// whose outcome is unknown (a timeout, or a process that died before
// recording the SID).
//
// It finds the message by what Twilio sets when it accepts it: the
// recipient, the sender (the From number, or the Messaging Service), the
// body (which names the order) and date_created. Not by date_sent: Twilio
// sets that only when the message leaves its queue, and a message still
// held in a Messaging Service's backlog has none. (The status callback
// URL, which carries the task id, is not part of the Message resource.)
// It lists the recipient's messages, newest first, and stops at the first
// one created and sent before since. Errors wrap a *thankyou.SendError as
// SendSMS's do.
func (c *Client) FindSent(ctx context.Context, to, body string, since time.Time) (sid string, found bool, err error) {
	if err := ctx.Err(); err != nil {
		return "", false, fmt.Errorf("find sms sent to %s: %w", phone.Mask(to), err)
	}
	if to == "" {
		return "", false, thankyou.Errorf(thankyou.EINVALID, "finding a sent sms needs a recipient")
	}
	// date_created has whole seconds: a message created in since's second
	// shows a date_created before since.
	since = since.UTC().Truncate(time.Second)
	params := &twapi.ListMessageParams{}
	params.SetTo(to)
	params.SetPageSize(pageSize)

	pageToken, pageNumber := "", ""
	for range maxPages {
		var page *twapi.ListMessageResponse
		err := c.do(ctx, func(api *twapi.ApiService) (err error) {
			page, err = api.PageMessage(params, pageToken, pageNumber)
			return err
		})
		if err != nil {
			return "", false, fmt.Errorf("find sms sent to %s: %w", phone.Mask(to), err)
		}
		sid, found, done, err := c.scanPage(page.Messages, to, body, since)
		if err != nil || found || done {
			if err != nil {
				err = fmt.Errorf("find sms sent to %s: %w", phone.Mask(to), err)
			}
			return sid, found, err
		}
		if page.NextPageUri == nil || *page.NextPageUri == "" {
			return "", false, nil
		}
		next, err := url.Parse(*page.NextPageUri)
		if err != nil {
			return "", false, fmt.Errorf("find sms sent to %s: next page: %w", phone.Mask(to), err)
		}
		pageToken, pageNumber = next.Query().Get("PageToken"), next.Query().Get("Page")
		if pageToken == "" && pageNumber == "" {
			return "", false, fmt.Errorf("find sms sent to %s: next page link names no page", phone.Mask(to))
		}
	}
	return "", false, fmt.Errorf("find sms sent to %s: more than %d pages of messages", phone.Mask(to), maxPages)
}

// scanPage looks through one page of messages, newest first, for an
// outbound message from this client's sender to the number to, with the
// body (when given), created at or after since. done reports that the
// page reached a message created and sent before since, so that later
// pages cannot match: whether Twilio orders by date_sent or date_created,
// older messages follow it. A message still queued (no date_sent) never
// ends the search.
func (c *Client) scanPage(msgs []twapi.ApiV2010Message, to, body string, since time.Time) (sid string, found, done bool, err error) {
	for _, m := range msgs {
		created, err := parseTime(deref(m.DateCreated))
		if err != nil {
			return "", false, false, fmt.Errorf("message %s: date_created: %w", deref(m.Sid), err)
		}
		if created.Before(since) {
			if sent, err := parseTime(deref(m.DateSent)); err == nil && sent.Before(since) {
				return "", false, true, nil
			}
			continue
		}
		if deref(m.Direction) != "outbound-api" || deref(m.To) != to || (body != "" && deref(m.Body) != body) || !c.ours(m) {
			continue
		}
		return deref(m.Sid), true, false, nil
	}
	return "", false, false, nil
}

// ours reports whether m was sent with this client's sender: its
// Messaging Service, else its From number.
func (c *Client) ours(m twapi.ApiV2010Message) bool {
	if c.messagingServiceSID != "" {
		return deref(m.MessagingServiceSid) == c.messagingServiceSID
	}
	return c.from == "" || deref(m.From) == c.from
}

// parseTime reads a Twilio timestamp: RFC 2822 ("Mon, 23 Nov 2026 16:00:00
// +0000"), or RFC 3339.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("unreadable time %q", s)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
