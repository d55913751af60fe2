package effect

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// SaltSize is the length of a shop's salt in bytes.
const SaltSize = 32

// NewSalt returns a fresh random salt for a shop, hex encoded as it is
// stored with the shop's settings. It is never printed.
func NewSalt() (string, error) {
	b := make([]byte, SaltSize)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("new holdout salt: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// Keys are the keyed hashes of one customer's identities at a shop: an
// HMAC-SHA256 under the shop's salt of the normalised phone number and of
// the email address in lower case. An identity the order lacks is "".
// They are what the store links orders by; the clear values are never
// stored with them.
type Keys struct {
	Phone string
	Email string
}

// CustomerKeys returns the keyed hashes of the order's customer.
func CustomerKeys(salt string, o thankyou.Order) Keys {
	return Keys{
		Phone: keyed(salt, "phone", strings.TrimSpace(o.Phone)),
		Email: keyed(salt, "email", strings.ToLower(strings.TrimSpace(o.Email))),
	}
}

// Primary is the key a customer's link is stored under: the phone's, else
// the email's ("" when the order has neither).
func (k Keys) Primary() string {
	if k.Phone != "" {
		return k.Phone
	}
	return k.Email
}

// All lists the keys the customer has, the primary first.
func (k Keys) All() []string {
	var all []string
	for _, s := range []string{k.Phone, k.Email} {
		if s != "" {
			all = append(all, s)
		}
	}
	return all
}

func keyed(salt, kind, identity string) string {
	if identity == "" {
		return ""
	}
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(identity))
	return hex.EncodeToString(m.Sum(nil))
}

// HeldOut decides a new customer's group: true when the customer, reached
// through channel, is held out under share. The draw is an HMAC-SHA256
// under the shop's salt of the channel and the customer's primary key, so
// it is deterministic (the same customer, the same answer), unpredictable
// without the salt, and independent per channel: every channel's
// customers are split in the share on their own (stratified).
func HeldOut(salt string, channel thankyou.Channel, customer string, share thankyou.Share) bool {
	if share <= 0 || customer == "" {
		return false
	}
	m := hmac.New(sha256.New, []byte(salt))
	m.Write([]byte("holdout"))
	m.Write([]byte{0})
	m.Write([]byte(channel))
	m.Write([]byte{0})
	m.Write([]byte(customer))
	draw := binary.BigEndian.Uint64(m.Sum(nil)) % 10000
	return draw < uint64(share)
}
