// Package webhook provides what every shop platform's webhook source needs:
// the delivery as a source sees it, header lookup that ignores case and the
// "X-" prefix, and constant-time HMAC checks that accept any of several
// secrets (secrets are rotated).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
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

// AnySecret reports whether any of secrets can sign: one not empty.
func AnySecret(secrets [][]byte) bool {
	return slices.ContainsFunc(secrets, func(s []byte) bool { return len(s) > 0 })
}

// VerifyBase64Body checks that the header of r (named as sent) holds the
// base64 of the body's HMAC-SHA256 under any of secrets, as Shopify and
// WooCommerce sign. A missing, malformed or wrong signature gives a
// *thankyou.Error with code EUNAUTHORIZED naming the header; the expected
// digest is never revealed. The caller checks first that a secret is
// usable (AnySecret).
func VerifyBase64Body(r Request, header string, secrets [][]byte) error {
	sig := r.Get(header)
	if sig == "" {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "missing %s header", header)
	}
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "%s header is not valid base64", header)
	}
	if !MatchAny(secrets, got, r.Body) {
		return thankyou.Errorf(thankyou.EUNAUTHORIZED, "%s signature does not match the body", header)
	}
	return nil
}
