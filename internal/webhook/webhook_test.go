package webhook

import (
	"encoding/hex"
	"net/http"
	"testing"
)

func TestGetIgnoresCaseAndTheXPrefix(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    http.Header
		want string
	}{
		{"canonical", http.Header{"X-Shop-Signature": {"a"}}, "a"},
		{"lower-case key kept as sent", http.Header{"x-shop-signature": {"b"}}, "b"},
		{"without X-", http.Header{"Shop-Signature": {"c"}}, "c"},
		{"without X-, lower-case", http.Header{"shop-signature": {"d"}}, "d"},
		{"missing", http.Header{"Other": {"e"}}, ""},
		{"blank value", http.Header{"X-Shop-Signature": {"  "}}, ""},
	} {
		if got := (Request{Header: tc.h}).Get("X-Shop-Signature"); got != tc.want {
			t.Errorf("%s: Get = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMatchAnyAcceptsAnyOfTheSecrets(t *testing.T) {
	body := []byte(`{"id":1}`)
	sig := HMACSHA256([]byte("new"), body)
	// RFC 4231 test case 2, to pin the algorithm.
	if got := hex.EncodeToString(HMACSHA256([]byte("Jefe"), []byte("what do ya want "), []byte("for nothing?"))); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("HMACSHA256 = %s, not RFC 4231's", got)
	}
	for _, tc := range []struct {
		name    string
		secrets [][]byte
		want    bool
	}{
		{"only the new secret", [][]byte{[]byte("new")}, true},
		{"old and new during rotation", [][]byte{[]byte("old"), []byte("new")}, true},
		{"only the old secret", [][]byte{[]byte("old")}, false},
		{"no secrets", nil, false},
		{"empty secret", [][]byte{{}}, false},
	} {
		if got := MatchAny(tc.secrets, sig, body); got != tc.want {
			t.Errorf("%s: MatchAny = %v, want %v", tc.name, got, tc.want)
		}
	}
}
