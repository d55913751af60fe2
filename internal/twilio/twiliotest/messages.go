package twiliotest

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// messageJSON is Twilio's Message resource.
type messageJSON struct {
	AccountSID          string            `json:"account_sid"`
	APIVersion          string            `json:"api_version"`
	Body                string            `json:"body"`
	DateCreated         string            `json:"date_created"`
	DateSent            *string           `json:"date_sent"`
	DateUpdated         string            `json:"date_updated"`
	Direction           string            `json:"direction"`
	ErrorCode           *int              `json:"error_code"`
	ErrorMessage        *string           `json:"error_message"`
	From                *string           `json:"from"`
	MessagingServiceSID *string           `json:"messaging_service_sid"`
	NumMedia            string            `json:"num_media"`
	NumSegments         string            `json:"num_segments"`
	Price               *string           `json:"price"`
	PriceUnit           string            `json:"price_unit"`
	SID                 string            `json:"sid"`
	Status              string            `json:"status"`
	SubresourceURIs     map[string]string `json:"subresource_uris"`
	To                  string            `json:"to"`
	URI                 string            `json:"uri"`
}

// listJSON is Twilio's paging envelope for List Messages.
type listJSON struct {
	End             int           `json:"end"`
	FirstPageURI    string        `json:"first_page_uri"`
	NextPageURI     *string       `json:"next_page_uri"`
	Page            int           `json:"page"`
	PageSize        int           `json:"page_size"`
	PreviousPageURI *string       `json:"previous_page_uri"`
	Start           int           `json:"start"`
	URI             string        `json:"uri"`
	Messages        []messageJSON `json:"messages"`
}

func (s *Server) renderMessage(m Message) messageJSON {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.messageJSONLocked(s.bySID[m.SID])
}

// messageJSONLocked renders m; s.mu must be held.
func (s *Server) messageJSONLocked(m *message) messageJSON {
	uri := fmt.Sprintf("/2010-04-01/Accounts/%s/Messages/%s", m.AccountSID, m.SID)
	out := messageJSON{
		AccountSID:      m.AccountSID,
		APIVersion:      apiVersion,
		Body:            m.Body,
		DateCreated:     twilioTime(m.Created),
		DateUpdated:     twilioTime(m.dateUpdated),
		Direction:       "outbound-api",
		NumMedia:        "0",
		NumSegments:     strconv.Itoa(m.numSegments),
		PriceUnit:       "USD",
		SID:             m.SID,
		Status:          m.Status,
		SubresourceURIs: map[string]string{"media": uri + "/Media.json"},
		To:              m.To,
		URI:             uri + ".json",
	}
	if sent := s.sentLocked(m); !sent.IsZero() {
		d := twilioTime(sent)
		out.DateSent = &d
	}
	if m.From != "" {
		out.From = &m.From
	}
	if m.MessagingServiceSID != "" {
		out.MessagingServiceSID = &m.MessagingServiceSID
	}
	if m.errorCode != 0 {
		code := m.errorCode
		out.ErrorCode = &code
	}
	return out
}

// sentLocked is m's date_sent: zero while it waits in the queue (see
// Options.Queue); s.mu must be held.
func (s *Server) sentLocked(m *message) time.Time {
	if s.now().Before(m.dateSent) {
		return time.Time{}
	}
	return m.dateSent
}

// listFilter is what List Messages was asked for.
type listFilter struct {
	to, from string
	// sentOn, sentAfter and sentBefore are whole UTC days; zero when unset.
	sentOn, sentAfter, sentBefore time.Time
}

// match reports whether m, sent at sent (zero: still queued), is listed.
func (f listFilter) match(m *message, sent time.Time) bool {
	if f.to != "" && m.To != f.to || f.from != "" && m.From != f.from {
		return false
	}
	if f.sentOn.IsZero() && f.sentAfter.IsZero() && f.sentBefore.IsZero() {
		return true
	}
	if sent.IsZero() {
		return false
	}
	day := sent.UTC().Truncate(24 * time.Hour)
	return (f.sentOn.IsZero() || day.Equal(f.sentOn)) &&
		(f.sentAfter.IsZero() || !day.Before(f.sentAfter)) &&
		(f.sentBefore.IsZero() || !day.After(f.sentBefore))
}

// parseDateFilter reads a DateSent filter value: a GMT date "YYYY-MM-DD"
// as Twilio documents it, or an RFC 3339 or RFC 2822 time (as twilio-go
// sends it), of which only the UTC day counts.
func parseDateFilter(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	for _, layout := range []string{time.DateOnly, time.RFC3339, time.RFC1123Z, time.RFC1123} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC().Truncate(24 * time.Hour), nil
		}
	}
	return time.Time{}, fmt.Errorf("invalid date %q", v)
}

func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	if !s.sleep(s.opts.Latency) {
		writeError(w, http.StatusServiceUnavailable, 20503, "Service Unavailable", "")
		return
	}
	if !s.authorized(w, r) {
		return
	}
	q := r.URL.Query()
	f := listFilter{to: q.Get("To"), from: q.Get("From")}
	for key, dst := range map[string]*time.Time{"DateSent": &f.sentOn, "DateSent>": &f.sentAfter, "DateSent<": &f.sentBefore} {
		if v := q.Get(key); v != "" {
			t, err := parseDateFilter(v)
			if err != nil {
				writeError(w, http.StatusBadRequest, 20001, fmt.Sprintf("Invalid %s: %s", key, v), "")
				return
			}
			*dst = t
		}
	}
	pageSize, err := intParam(q, "PageSize", 50)
	if err != nil || pageSize < 1 || pageSize > 1000 {
		writeError(w, http.StatusBadRequest, 20001, "PageSize must be between 1 and 1000", "")
		return
	}
	page, err := intParam(q, "Page", 0)
	if err != nil || page < 0 {
		writeError(w, http.StatusBadRequest, 20001, "Page must be a non-negative integer", "")
		return
	}

	s.mu.Lock()
	var matched []*message
	for i := len(s.messages) - 1; i >= 0; i-- { // newest first
		if m := s.messages[i]; f.match(m, s.sentLocked(m)) {
			matched = append(matched, m)
		}
	}
	sort.SliceStable(matched, func(i, j int) bool { return matched[i].Created.After(matched[j].Created) })
	start := min(page*pageSize, len(matched))
	end := min(start+pageSize, len(matched))
	items := make([]messageJSON, 0, end-start)
	for _, m := range matched[start:end] {
		items = append(items, s.messageJSONLocked(m))
	}
	s.mu.Unlock()

	pageURI := func(p int, token string) string {
		v := url.Values{}
		for _, k := range []string{"To", "From", "DateSent", "DateSent>", "DateSent<"} {
			if x := q.Get(k); x != "" {
				v.Set(k, x)
			}
		}
		v.Set("PageSize", strconv.Itoa(pageSize))
		v.Set("Page", strconv.Itoa(p))
		if token != "" {
			v.Set("PageToken", token)
		}
		return r.URL.Path + "?" + v.Encode()
	}
	out := listJSON{
		FirstPageURI: pageURI(0, ""),
		Page:         page,
		PageSize:     pageSize,
		Start:        start,
		End:          max(end-1, start),
		URI:          pageURI(page, q.Get("PageToken")),
		Messages:     items,
	}
	if end < len(matched) {
		next := pageURI(page+1, "PA"+matched[end-1].SID)
		out.NextPageURI = &next
	}
	if page > 0 {
		prev := pageURI(page-1, "PB"+matched[start].SID)
		out.PreviousPageURI = &prev
	}
	writeJSON(w, http.StatusOK, out)
}

func intParam(q url.Values, key string, def int) (int, error) {
	v := q.Get(key)
	if v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}

// gsm7 holds the GSM 03.38 basic character set; gsm7Ext the characters
// that take two septets (escape + character).
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Ext = "\f^{}\\[~]|€"
)

// segments returns how many SMS segments body takes: 160 GSM-7 septets
// (153 when split) or 70 UCS-2 units (67 when split) per segment.
func segments(body string) int {
	if body == "" {
		return 0
	}
	septets, isGSM := 0, true
	for _, r := range body {
		switch {
		case strings.ContainsRune(gsm7, r):
			septets++
		case strings.ContainsRune(gsm7Ext, r):
			septets += 2
		default:
			isGSM = false
		}
	}
	if isGSM {
		if septets <= 160 {
			return 1
		}
		return (septets + 152) / 153
	}
	units := len(utf16.Encode([]rune(body)))
	if units <= 70 {
		return 1
	}
	return (units + 66) / 67
}
