package effect

import "github.com/thankyoucalls/thankyoucalls/internal/thankyou"

// Assignment is a customer's group at a shop, as the store found or made
// it for a new order.
type Assignment struct {
	// Linked is false when the order links to nothing: no phone nor email,
	// or a new customer whose order is not thanked.
	Linked bool
	// Channel and HeldOut are the customer's group: held out of Channel,
	// or thanked through it. Share is the holdout share it was drawn under.
	Channel thankyou.Channel
	HeldOut bool
	Share   thankyou.Share
	// Repeat is true when the order was added to the customer's link as a
	// later order.
	Repeat bool
}

// HeldOutReason is the reason a held-out task records.
func (a Assignment) HeldOutReason() string {
	return "held out: the customer is in the shop's " + a.Share.String() + " holdout group for " + string(a.Channel) + ", never contacted"
}

// ToBeThanked reports whether a new task in state s is one to be thanked:
// its customer is drawn into a group, and a held-out customer's task is
// held out instead. Every new task is, but a skipped or expired one (or
// one already held out): a task waiting for a later start (such as the
// order's fulfilment) is held out from its creation, so it is never
// contacted when it starts.
func ToBeThanked(s thankyou.State) bool {
	return s != thankyou.StateSkipped && s != thankyou.StateExpired && s != thankyou.StateHeldOut && s != thankyou.StateCancelled
}
