package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxSlots bounds a cap's Max: each slot is two attributes of one item.
const maxSlots = 50

// capKey is the primary key of a cap's item: a hash of the cap's key
// (which holds a phone number or a customer's identity key), so that no
// number is stored in clear.
func capKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("CAP#" + identityKey(key)), "sk": str("CAP")}
}

// TakeSlot takes, for owner (a task id), one of max slots of the cap key
// at now, each slot held for per: at most max owners hold a live slot at
// once. An owner that holds a live slot keeps it and gets ok again (a
// call and its SMS fallback count once). When every slot is held, ok is
// false and free is when the first frees. An owner taking its slot again
// moves the slot's time to now: the period runs from its last contact.
//
// The cap is one item with a time and an owner per slot; a slot is taken
// with one conditional UpdateItem (the slot is empty or older than per),
// so concurrent takers can never both get the same slot. The item expires
// (TTL) a day after its newest slot frees.
func (s *Store) TakeSlot(ctx context.Context, key, owner string, max int, per time.Duration, now time.Time) (ok bool, free time.Time, err error) {
	if max <= 0 || max > maxSlots || per <= 0 || key == "" || owner == "" {
		return false, time.Time{}, thankyou.Errorf(thankyou.EINVALID, "take cap slot: bad cap %d per %s (key and owner must be set)", max, per)
	}
	now = now.UTC().Truncate(time.Second)
	cutoff := formatTime(now.Add(-per))
	if max == 1 {
		// One slot (the default cap): one conditional write takes it when
		// it is free, expired or already the owner's, with no read first;
		// the read below only tells a refused taker when it frees.
		u := newUpdate()
		u.set("s0", str(formatTime(now)))
		u.set("o0", str(owner))
		u.set("expiresAt", num(now.Add(per+24*time.Hour).Unix()))
		cond := fmt.Sprintf("attribute_not_exists(%s) OR %s <= %s OR %s = %s",
			u.name("s0"), u.name("s0"), u.value("cutoff", str(cutoff)), u.name("o0"), u.value("owner", str(owner)))
		_, err := s.updateItem(ctx, capKey(key), u, cond)
		if err == nil {
			return true, time.Time{}, nil
		}
		if !isConditionFailed(err) {
			return false, time.Time{}, fmt.Errorf("take cap slot: %w", err)
		}
		return s.capFree(ctx, key, max, per, now)
	}
	held, err := s.capSlots(ctx, key, max)
	if err != nil {
		return false, time.Time{}, err
	}
	for i, h := range held {
		if h.owner != owner || h.at <= cutoff {
			continue
		}
		// The owner's own slot: its period now runs from this contact
		// (a call's SMS fallback keeps the number's next contact a whole
		// period away).
		u := newUpdate()
		at, by := "s"+strconv.Itoa(i), "o"+strconv.Itoa(i)
		u.set(at, str(formatTime(now)))
		u.set("expiresAt", num(now.Add(per+24*time.Hour).Unix()))
		cond := fmt.Sprintf("%s = %s", u.name(by), u.value("owner", str(owner)))
		_, err := s.updateItem(ctx, capKey(key), u, cond)
		if err != nil && !isConditionFailed(err) {
			return false, time.Time{}, fmt.Errorf("take cap slot: %w", err)
		}
		if err == nil {
			return true, time.Time{}, nil
		}
		break // the slot changed hands meanwhile (it had freed): take one below
	}
	for i, h := range held {
		if h.at > cutoff {
			continue // live: do not even try
		}
		u := newUpdate()
		at, by := "s"+strconv.Itoa(i), "o"+strconv.Itoa(i)
		u.set(at, str(formatTime(now)))
		u.set(by, str(owner))
		u.set("expiresAt", num(now.Add(per+24*time.Hour).Unix()))
		cond := fmt.Sprintf("attribute_not_exists(%s) OR %s <= %s", u.name(at), u.name(at), u.value("cutoff", str(cutoff)))
		_, err := s.updateItem(ctx, capKey(key), u, cond)
		if isConditionFailed(err) {
			continue // taken meanwhile
		}
		if err != nil {
			return false, time.Time{}, fmt.Errorf("take cap slot: %w", err)
		}
		return true, time.Time{}, nil
	}
	return s.capFree(ctx, key, max, per, now)
}

// capFree answers a refused taker: when the first of the cap's slots
// frees.
func (s *Store) capFree(ctx context.Context, key string, max int, per time.Duration, now time.Time) (ok bool, free time.Time, err error) {
	held, err := s.capSlots(ctx, key, max)
	if err != nil {
		return false, time.Time{}, err
	}
	for _, h := range held {
		if at, err := parseTime(h.at); err == nil && !at.IsZero() {
			if f := at.Add(per); free.IsZero() || f.Before(free) {
				free = f
			}
		}
	}
	if !free.After(now) {
		// A slot freed between the writes and this read: try again soon.
		free = now.Add(time.Second)
	}
	return false, free, nil
}

type capSlot struct{ at, owner string }

// capSlots reads a cap's first max slots (strongly consistent).
func (s *Store) capSlots(ctx context.Context, key string, max int) ([]capSlot, error) {
	var item map[string]types.AttributeValue
	_, err := s.getItem(ctx, capKey(key), &item)
	if err != nil {
		return nil, fmt.Errorf("read cap: %w", err)
	}
	slots := make([]capSlot, max)
	for i := range slots {
		if v, ok := item["s"+strconv.Itoa(i)].(*types.AttributeValueMemberS); ok {
			slots[i].at = v.Value
		}
		if v, ok := item["o"+strconv.Itoa(i)].(*types.AttributeValueMemberS); ok {
			slots[i].owner = v.Value
		}
	}
	return slots, nil
}
