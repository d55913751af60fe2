package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxSlots bounds a cap's Max: each slot is two attributes of one item.
const maxSlots = 50

// capKey is the primary key of a cap's item: a hash of the cap's key
// (which holds a customer's identity key), so that nothing personal is
// stored in clear.
func capKey(key string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": str("CAP#" + identityKey(key)), "sk": str("CAP")}
}

// slotTake is one attempt to take a slot of a slotted item: a cap's own
// item, or a number's item (see numberPrefix), whose slots are the
// number cap's.
type slotTake struct {
	key   map[string]types.AttributeValue
	owner string
	max   int
	per   time.Duration
	now   time.Time
	// expires is the item's expiry (TTL) after a take.
	expires int64
	// also adds to each write what it carries besides the slot, and
	// returns a condition the write must meet too ("" for none).
	also func(u *update) string
}

func (t slotTake) valid() bool {
	return t.max > 0 && t.max <= maxSlots && t.per > 0 && t.owner != ""
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
// (TTL) a day after its newest slot frees. The number cap lives on the
// number's own item instead (AdmitNumber).
func (s *Store) TakeSlot(ctx context.Context, key, owner string, max int, per time.Duration, now time.Time) (ok bool, free time.Time, err error) {
	now = now.UTC().Truncate(time.Second)
	t := slotTake{key: capKey(key), owner: owner, max: max, per: per, now: now, expires: now.Add(per + 24*time.Hour).Unix()}
	if !t.valid() || key == "" {
		return false, time.Time{}, thankyou.Errorf(thankyou.EINVALID, "take cap slot: bad cap %d per %s (key and owner must be set)", max, per)
	}
	var held []capSlot
	if max > 1 {
		if held, _, err = s.readSlots(ctx, t.key, max); err != nil {
			return false, time.Time{}, err
		}
	}
	if ok, err = s.takeSlot(ctx, t, held); ok || err != nil {
		return ok, time.Time{}, err
	}
	if held, _, err = s.readSlots(ctx, t.key, max); err != nil {
		return false, time.Time{}, err
	}
	return false, slotsFree(held, per, now), nil
}

// AdmitNumber admits a capped contact (a thank-you) to the E.164 number
// e164 for task at now, on the number's one item (see numberPrefix):
// unless the number opted out, it takes one of the number cap's max slots
// per per for the task (a task keeps its own slot) and records the reply
// route (a message from the number is a reply to task), all in one
// conditional UpdateItem for the default cap of one (max 1); a higher cap
// reads the item first. ok says it was admitted; otherwise optedOut says
// the number opted out, or free is when the cap's first slot frees. A
// refusal costs one more read, which tells which.
//
// The item then expires (TTL) a retention after now (and never before the
// slot frees); an opted-out number's item never expires.
func (s *Store) AdmitNumber(ctx context.Context, e164, task string, slots int, per time.Duration, now time.Time) (ok, optedOut bool, free time.Time, err error) {
	if err := checkPhone("admit number", e164); err != nil {
		return false, false, time.Time{}, err
	}
	now = now.UTC().Truncate(time.Second)
	t := slotTake{
		key: optOutKey(e164), owner: identityKey(task), max: slots, per: per, now: now,
		expires: max(s.expiresAt(now), now.Add(per+24*time.Hour).Unix()),
		also: func(u *update) string {
			u.set(attrRouteTask, str(task))
			u.set(attrRouteAt, str(formatTime(now)))
			return fmt.Sprintf("attribute_not_exists(%s)", u.name(attrOptedOutAt))
		},
	}
	if !t.valid() {
		return false, false, time.Time{}, thankyou.Errorf(thankyou.EINVALID, "admit number: bad cap %d per %s (task must be set)", slots, per)
	}
	var held []capSlot
	if slots > 1 {
		held, optedOut, err = s.readSlots(ctx, t.key, slots)
		if err != nil || optedOut {
			return false, optedOut, time.Time{}, err
		}
	}
	if ok, err = s.takeSlot(ctx, t, held); ok || err != nil {
		if err != nil {
			err = fmt.Errorf("admit number %s: %w", phone.Mask(e164), err)
		}
		return ok, false, time.Time{}, err
	}
	held, optedOut, err = s.readSlots(ctx, t.key, slots)
	if err != nil || optedOut {
		return false, optedOut, time.Time{}, err
	}
	return false, false, slotsFree(held, per, now), nil
}

// takeSlot takes one of t's slots, or reports false when none could be
// taken (every slot live, or t.also's condition failed). held is nil for
// a single slot (one conditional write, no read), else the slots as the
// caller just read them.
func (s *Store) takeSlot(ctx context.Context, t slotTake, held []capSlot) (bool, error) {
	cutoff := formatTime(t.now.Add(-t.per))
	// write runs one conditional write of slot i (owner too, when taken
	// anew) and reports whether its condition held.
	write := func(i int, slotCond func(u *update, at, by string) string, setOwner bool) (bool, error) {
		u := newUpdate()
		at, by := "s"+strconv.Itoa(i), "o"+strconv.Itoa(i)
		u.set(at, str(formatTime(t.now)))
		if setOwner {
			u.set(by, str(t.owner))
		}
		u.set("expiresAt", num(t.expires))
		cond := "(" + slotCond(u, at, by) + ")"
		if t.also != nil {
			if c := t.also(u); c != "" {
				cond += " AND " + c
			}
		}
		_, err := s.updateItem(ctx, t.key, u, cond)
		if isConditionFailed(err) {
			return false, nil
		}
		if err != nil {
			return false, fmt.Errorf("take cap slot: %w", err)
		}
		return true, nil
	}
	free := func(u *update, at, _ string) string {
		return fmt.Sprintf("attribute_not_exists(%s) OR %s <= %s", u.name(at), u.name(at), u.value("cutoff", str(cutoff)))
	}
	mine := func(u *update, _, by string) string {
		return fmt.Sprintf("%s = %s", u.name(by), u.value("owner", str(t.owner)))
	}
	if t.max == 1 {
		// One slot (the default cap): one conditional write takes it when
		// it is free, expired or already the owner's, with no read first;
		// the caller's read after a refusal tells when it frees.
		return write(0, func(u *update, at, by string) string { return free(u, at, by) + " OR " + mine(u, at, by) }, true)
	}
	for i, h := range held {
		if h.owner != t.owner || h.at <= cutoff {
			continue
		}
		// The owner's own slot: its period now runs from this contact
		// (a call's SMS fallback keeps the number's next contact a whole
		// period away).
		ok, err := write(i, mine, false)
		if ok || err != nil {
			return ok, err
		}
		break // the slot changed hands meanwhile (it had freed), or t.also's condition failed: take one below
	}
	for i, h := range held {
		if h.at > cutoff {
			continue // live: do not even try
		}
		ok, err := write(i, free, true)
		if ok || err != nil {
			return ok, err
		}
		// taken meanwhile (or t.also's condition failed: the next write
		// fails the same way, and the caller's read tells)
	}
	return false, nil
}

// slotsFree is when the first of the held slots frees, for a refused
// taker.
func slotsFree(held []capSlot, per time.Duration, now time.Time) time.Time {
	var free time.Time
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
	return free
}

type capSlot struct{ at, owner string }

// readSlots reads an item's first max slots (strongly consistent), and
// whether it records an opt-out (a number's item).
func (s *Store) readSlots(ctx context.Context, key map[string]types.AttributeValue, max int) ([]capSlot, bool, error) {
	var item map[string]types.AttributeValue
	_, err := s.getItem(ctx, key, &item)
	if err != nil {
		return nil, false, fmt.Errorf("read cap: %w", err)
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
	return slots, isOptedOut(item), nil
}
