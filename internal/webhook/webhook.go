// Package webhook provides what every shop platform's webhook source needs:
// the delivery as a source sees it, header lookup that ignores case and the
// "X-" prefix, and constant-time HMAC checks that accept any of several
// secrets (secrets are rotated).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Request is one webhook delivery.
type Request struct {
	Header http.Header
	// Query is the request URL's query (a shop key may travel there).
	Query url.Values
	// Body is the raw body, exactly as signed.
	Body []byte
	// Received is when the delivery arrived, for replay windows.
	Received time.Time
}

// Get returns the first non-empty value among the named headers, each
// tried as given and, for names starting with "X-", also without that
// prefix. Lookups ignore case.
func (r Request) Get(names ...string) string {
	for _, name := range names {
		if v := lookup(r.Header, name); v != "" {
			return v
		}
		if rest, ok := cutXPrefix(name); ok {
			if v := lookup(r.Header, rest); v != "" {
				return v
			}
		}
	}
	return ""
}

func cutXPrefix(name string) (string, bool) {
	if len(name) > 2 && strings.EqualFold(name[:2], "x-") {
		return name[2:], true
	}
	return "", false
}

func lookup(h http.Header, name string) string {
	if v := strings.TrimSpace(h.Get(name)); v != "" {
		return v
	}
	// A header map built without canonical keys.
	for k, vs := range h {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			if v := strings.TrimSpace(vs[0]); v != "" {
				return v
			}
		}
	}
	return ""
}

// HMACSHA256 returns HMAC-SHA256 of the concatenated parts under key.
func HMACSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

// MatchAny reports whether sig is the HMAC-SHA256 of the concatenated parts
// under any of the secrets, comparing in constant time. Empty secrets never
// match.
func MatchAny(secrets [][]byte, sig []byte, parts ...[]byte) bool {
	ok := false
	for _, s := range secrets {
		if len(s) == 0 {
			continue
		}
		if hmac.Equal(HMACSHA256(s, parts...), sig) {
			ok = true
		}
	}
	return ok
}
