package thankyou

import "time"

// Speaker says who wrote a conversation entry.
type Speaker string

// Speakers.
const (
	SpeakerCustomer Speaker = "customer" // a reply to the thank-you
	SpeakerStaff    Speaker = "staff"    // a staff member's REPLY to it
)

// Entry is one message of a task's conversation: a customer's reply to the
// thank-you, or a staff member's answer to it. Text is personal data: it
// lives on the task (under its retention), is removed by an erasure, and is
// never logged.
type Entry struct {
	At   time.Time
	From Speaker
	Text string
	// Complaint is the complaint word that flagged a customer's reply,
	// as written in the list ("broken"); "" for none.
	Complaint string
	// SID is Twilio's id of the inbound message, so that a webhook
	// delivered twice records it once; "" for a staff answer.
	SID string
}

// Conversation limits: a task keeps at most MaxConversation entries of at
// most MaxEntryText bytes (Twilio's longest message body, 1,600
// characters, at up to 4 bytes each): 192 KB at worst, well inside
// DynamoDB's 400 KB item, whose other writes (status callbacks) must not
// fail for it.
const (
	MaxConversation = 30
	MaxEntryText    = 4 * 1600
)

// NeedsAttention names, where states are named (the operators' tool's
// --state), the tasks whose customer's reply read as a complaint. It is a
// flag on the task (Task.NeedsAttention), not a State: the task's state
// still says how the thank-you went (sent, delivered, called...), and
// Twilio's status callbacks keep moving it.
const NeedsAttention = "needs_attention"

// Forward is a customer's reply waiting to be forwarded to staff: entry
// Entry of task TaskID's conversation, due at Due (the next moment the
// staff member's hours allow).
type Forward struct {
	TaskID string
	Entry  int
	Due    time.Time
}
