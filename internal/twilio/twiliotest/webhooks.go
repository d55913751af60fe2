package twiliotest

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/thankyoucalls/thankyoucalls/internal/inbound"
)

// Sign computes the X-Twilio-Signature Twilio sends with a webhook: the
// base64 HMAC-SHA1, keyed with the auth token, of the full URL followed by
// each POST parameter's name and value, sorted by name (and by value for a
// repeated name).
func Sign(authToken, url string, params url.Values) string {
	var b strings.Builder
	b.WriteString(url)
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		values := append([]string(nil), params[k]...)
		sort.Strings(values)
		for _, v := range values {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// SendStatus sets an accepted message's status and posts a status callback
// for it to its StatusCallback URL, form-encoded and signed like Twilio's.
// errorCode, when non-zero, is sent as ErrorCode (for "failed" and
// "undelivered"). It returns the callee's HTTP status.
func (s *Server) SendStatus(ctx context.Context, sid, status string, errorCode int) (int, error) {
	s.mu.Lock()
	m := s.bySID[sid]
	if m == nil {
		s.mu.Unlock()
		return 0, fmt.Errorf("twiliotest: send status %s for %s: no such message", status, sid)
	}
	m.Status = status
	m.errorCode = errorCode
	m.dateUpdated = s.now().UTC().Truncate(time.Second)
	params := url.Values{
		"AccountSid":    {m.AccountSID},
		"ApiVersion":    {apiVersion},
		"MessageSid":    {m.SID},
		"SmsSid":        {m.SID},
		"MessageStatus": {status},
		"SmsStatus":     {status},
		"To":            {m.To},
	}
	if m.From != "" {
		params.Set("From", m.From)
	}
	if m.MessagingServiceSID != "" {
		params.Set("MessagingServiceSid", m.MessagingServiceSID)
	}
	if errorCode != 0 {
		params.Set("ErrorCode", strconv.Itoa(errorCode))
	}
	callback := m.StatusCallback
	s.mu.Unlock()
	if callback == "" {
		return 0, fmt.Errorf("twiliotest: send status %s for %s: message has no StatusCallback", status, sid)
	}
	code, _, err := s.post(ctx, callback, params)
	if err != nil {
		return 0, fmt.Errorf("twiliotest: send status %s for %s: %w", status, sid, err)
	}
	return code, nil
}

// SendInbound posts an inbound SMS webhook to url, with Twilio's parameters
// (MessageSid, SmsSid, AccountSid, From, To, Body, NumMedia, NumSegments,
// SmsStatus "received", ApiVersion, FromCountry, ToCountry... and OptOutType
// when body is an opt-out, opt-in or help keyword), signed like Twilio's.
// It returns the callee's HTTP status and body.
func (s *Server) SendInbound(ctx context.Context, url, from, to, body string) (int, []byte, error) {
	sid := newSID("SM")
	params := map[string][]string{
		"AccountSid":       {s.opts.AccountSID},
		"ApiVersion":       {apiVersion},
		"Body":             {body},
		"From":             {from},
		"FromCity":         {""},
		"FromCountry":      {country(from)},
		"FromState":        {""},
		"FromZip":          {""},
		"MessageSid":       {sid},
		"NumMedia":         {"0"},
		"NumSegments":      {strconv.Itoa(max(segments(body), 1))},
		"ReferralNumMedia": {"0"},
		"SmsMessageSid":    {sid},
		"SmsSid":           {sid},
		"SmsStatus":        {"received"},
		"To":               {to},
		"ToCity":           {""},
		"ToCountry":        {country(to)},
		"ToState":          {""},
		"ToZip":            {""},
	}
	if kind := optOutType(body); kind != "" {
		params["OptOutType"] = []string{kind}
	}
	code, answer, err := s.post(ctx, url, params)
	if err != nil {
		return 0, nil, fmt.Errorf("twiliotest: send inbound sms: %w", err)
	}
	return code, answer, nil
}

// post sends a signed, form-encoded webhook and returns the callee's status
// and body (up to 1 MiB).
func (s *Server) post(ctx context.Context, target string, params url.Values) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(params.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "TwilioProxy/1.1")
	req.Header.Set("X-Twilio-Signature", Sign(s.opts.AuthToken, target, params))
	req.Header.Set("I-Twilio-Idempotency-Token", newSID("")[:32])
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, answer, nil
}

// optOutType returns Twilio's OptOutType for an inbound body that is one of
// Twilio's default keywords (the entries package inbound marks as
// Twilio's), or "".
func optOutType(body string) string {
	b := strings.ToUpper(strings.TrimSpace(body))
	for _, k := range []struct {
		words []inbound.Word
		typ   string
	}{{inbound.OptOutWords, "STOP"}, {inbound.OptInWords, "START"}, {inbound.HelpWords, "HELP"}} {
		for _, w := range k.words {
			if w.Twilio && w.Text == b {
				return k.typ
			}
		}
	}
	return ""
}

// country returns the ISO country of an E.164 number, or "".
func country(e164 string) string {
	n, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	return phonenumbers.GetRegionCodeForNumber(n)
}
