package operator

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Defaults of a retry, for tasks that carry no window or zone of their own
// (the configuration's defaults).
const (
	defaultWindow      = "10:00-17:00"
	defaultDays        = "Mon-Fri"
	defaultTimeZone    = "America/New_York"
	defaultExpireAfter = 72 * time.Hour
)

// defaultCancelReason is recorded when tasks cancel gets no --reason.
const defaultCancelReason = "cancelled by an operator"

// scopeFlags reads --source and --shop: both empty, a source, or both.
func scopeFlags(src, shop string) (thankyou.Source, string, error) {
	shop = strings.TrimSpace(shop)
	if src == "" {
		if shop != "" {
			return "", "", fmt.Errorf("%w: --shop needs --source (shopify, woocommerce, stripe or generic)", ErrUsage)
		}
		return "", "", nil
	}
	source, err := sourceFlag(src)
	return source, thankyou.ShopID(source, shop), err
}

// stateFlag reads --state: a task state, or needs_attention (the tasks
// whose customer's reply read as a complaint, whatever their state).
func stateFlag(s string) (st thankyou.State, attention bool, err error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return "", false, nil
	case thankyou.NeedsAttention:
		return "", true, nil
	}
	if st, err := thankyou.ParseState(s); err == nil {
		return st, false, nil
	}
	return "", false, fmt.Errorf("%w: --state %q: not a task state; use one of %s, or %s", ErrUsage, s, stateNames(), thankyou.NeedsAttention)
}

// stateNames lists the task states, comma-separated, in the order a task
// meets them.
func stateNames() string {
	names := make([]string, 0, len(thankyou.States()))
	for _, st := range thankyou.States() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}

// wrap breaks s into lines of at most width characters, at spaces.
func wrap(s string, width int) string {
	var b strings.Builder
	n := 0
	for i, w := range strings.Fields(s) {
		switch {
		case i == 0:
		case n+1+len(w) > width:
			b.WriteString("\n")
			n = 0
		default:
			b.WriteString(" ")
			n++
		}
		b.WriteString(w)
		n += len(w)
	}
	return b.String()
}

// inScope reports whether a task belongs to the source and shop (either
// empty: any).
func inScope(t thankyou.Task, source thankyou.Source, shop string) bool {
	switch {
	case source == "":
		return true
	case shop == "":
		return t.Order.Source == source
	}
	return strings.HasPrefix(t.ID, thankyou.TaskID(source, shop, ""))
}

func (t *Tool) tasksList(ctx context.Context, args []string) error {
	fs := newFlags("tasks list")
	var (
		src      = fs.String("source", "", "")
		shop     = fs.String("shop", "", "")
		state    = fs.String("state", "", "")
		since    = fs.String("since", "", "")
		until    = fs.String("until", "", "")
		upcoming = fs.Bool("upcoming", false, "")
		asJSON   = fs.Bool("json", false, "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, shopID, err := scopeFlags(*src, *shop)
	if err != nil {
		return err
	}
	st, attention, err := stateFlag(*state)
	if err != nil {
		return err
	}
	from, before, err := period(*since, *until)
	if err != nil {
		return err
	}
	var tasks []thankyou.Task
	keep := func(task thankyou.Task) error {
		if inScope(task, source, shopID) {
			tasks = append(tasks, task)
		}
		return nil
	}
	bar := t.progressBar()
	if *upcoming {
		if st != "" && st != thankyou.StatePending || attention {
			return fmt.Errorf("%w: --upcoming lists pending tasks; drop --state %s or --upcoming", ErrUsage, *state)
		}
		err = t.Store.UpcomingTasks(ctx, from, before, bar.fn(), keep)
	} else {
		q := dynamo.TaskQuery{TaskFilter: dynamo.TaskFilter{Source: source, Shop: shopID, State: st, NeedsAttention: attention}, CreatedFrom: from, CreatedBefore: before}
		err = t.Store.ScanTasks(ctx, q, bar.fn(), keep)
		slices.SortFunc(tasks, func(a, b thankyou.Task) int {
			return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
		})
	}
	bar.finish()
	if err != nil {
		return fmt.Errorf("list tasks: %w", err)
	}
	views := make([]taskView, 0, len(tasks))
	for _, task := range tasks {
		views = append(views, newTaskView(task))
	}
	if *asJSON {
		return writeJSON(t.Out, views)
	}
	if len(views) == 0 {
		fmt.Fprintln(t.Out, "No tasks match.")
		return nil
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATE\tORDER\tTO\tCREATED (UTC)\tDUE (UTC)\tCODE\tREPLIES\tREASON")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.ID, v.State, orDash(v.OrderNumber), orDash(v.Recipient),
			orDash(human(v.Created)), orDash(human(v.Due)), orDash(codeText(v.ErrorCode)), orDash(repliesText(v)), orDash(v.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(t.Out, plural(len(views), "task", "tasks"))
	return nil
}

func (t *Tool) tasksShow(ctx context.Context, args []string) error {
	fs := newFlags("tasks show")
	id := fs.String("id", "", "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return fmt.Errorf("%w: --id is required (see `thankyou tasks list`)", ErrUsage)
	}
	task, events, err := t.Store.GetTaskHistory(ctx, *id)
	if err != nil {
		return describeTask(err)
	}
	v := newTaskView(task)
	// The texts are shown here only, to the operator, with any phone
	// number or email in them masked.
	for _, e := range task.Conversation {
		v.Conversation = append(v.Conversation, entryView{At: stamp(e.At), From: string(e.From), Complaint: e.Complaint != "", Text: scrub(replies.Quote(e.Text))})
	}
	v.History = make([]eventView, 0, len(events))
	for _, ev := range events {
		v.History = append(v.History, eventView{At: stamp(ev.At), Event: ev.Event, Detail: ev.Detail})
	}
	if *asJSON {
		return writeJSON(t.Out, v)
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	rows := [][2]string{
		{"task", v.ID}, {"state", v.State}, {"reason", v.Reason}, {"order", v.OrderNumber}, {"shop", v.Shop},
		{"channel", v.Channel}, {"to", v.Recipient}, {"due (UTC)", human(v.Due)}, {"deadline (UTC)", human(v.Deadline)},
		{"time zone", v.TimeZone}, {"region", v.Region}, {"window", v.Window}, {"closed", v.Closed}, {"attempts", fmt.Sprint(v.Attempts)}, {"twilio sid", v.MessageSID},
		{"error code", codeText(v.ErrorCode)}, {"created (UTC)", human(v.Created)},
	}
	if v.Channel == string(thankyou.ChannelStaff) {
		rows = append(rows, [][2]string{{"staff member", v.StaffMember},
			{"reminders", fmt.Sprintf("%d (handed over %d times)", v.Reminders, v.Reassigned)}}...)
	}
	if v.CallSID != "" {
		call := v.CallStatus
		if v.CallCustomer != "" {
			call += ", customer " + v.CallCustomer
		}
		if v.AnsweredBy != "" {
			call += ", answered by " + v.AnsweredBy
		}
		if v.CallSeconds > 0 {
			call += fmt.Sprintf(", %ds", v.CallSeconds)
		}
		rows = append(rows, [][2]string{{"call sid", v.CallSID}, {"call", call}}...)
	}
	if v.VoiceFallback {
		rows = append(rows, [2]string{"voice fallback", "the automated call was not answered: SMS instead"})
	}
	rows = append(rows, [2]string{"language", v.Language})
	if v.Trigger != "" {
		rows = append(rows, [][2]string{{"counts from", "the order's " + v.Trigger}, {"triggered (UTC)", v.Triggered}}...)
		if v.State == string(thankyou.StateAwaitingFulfilment) {
			rows = append(rows, [2]string{"waits until (UTC)", v.Deadline})
		}
	}
	if v.NeedsAttention {
		rows = append(rows, [2]string{"attention", "needs attention: a reply read as a complaint"})
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], orDash(row[1]))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(v.Conversation) > 0 {
		fmt.Fprintln(t.Out)
		tw = tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "CONVERSATION (UTC)\tFROM\tTEXT")
		for _, e := range v.Conversation {
			from := e.From
			if e.Complaint {
				from += " (complaint)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", e.At, from, e.Text)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(t.Out)
	tw = tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "HISTORY (UTC)\tEVENT\tDETAIL")
	for _, ev := range v.History {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", human(ev.At), ev.Event, orDash(ev.Detail))
	}
	return tw.Flush()
}

// notRetryable says why a task in a state that may not be retried is not.
func notRetryable(task thankyou.Task) error {
	id := task.ID
	switch task.State {
	case thankyou.StateSent, thankyou.StateDelivered, thankyou.StateCalled:
		return fmt.Errorf("task %s is %s: a thank-you that went out is never sent again", id, task.State)
	case thankyou.StatePending, thankyou.StateSending, thankyou.StateReminded:
		return fmt.Errorf("task %s is still %s (due %s UTC): it goes out by itself; nothing to retry", id, task.State, human(stamp(task.DueAt)))
	case thankyou.StateAwaitingFulfilment:
		return fmt.Errorf("task %s is awaiting the order's %s (until %s UTC): it starts by itself; nothing to retry", id, task.Trigger, human(stamp(task.Deadline)))
	case thankyou.StateOptedOut:
		return fmt.Errorf("task %s is opted_out: the recipient asked for no more messages (STOP), so it is never sent", id)
	case thankyou.StateSkipped:
		return fmt.Errorf("task %s is skipped (%s): the shop's rules say not to thank this order; change them with `thankyou shops put` for later orders", id, orDash(scrub(task.Reason)))
	case thankyou.StateCancelled:
		return fmt.Errorf("task %s is cancelled (%s): it is not to be sent", id, orDash(scrub(task.Reason)))
	}
	return fmt.Errorf("task %s is %s: only failed, expired or undelivered tasks can be retried", id, task.State)
}

func (t *Tool) tasksRetry(ctx context.Context, args []string) error {
	fs := newFlags("tasks retry")
	var (
		id          = fs.String("id", "", "")
		window      = fs.String("window", defaultWindow, "")
		days        = fs.String("days", defaultDays, "")
		zone        = fs.String("time-zone", defaultTimeZone, "")
		expireAfter = fs.Duration("expire-after", defaultExpireAfter, "")
		asJSON      = fs.Bool("json", false, "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return fmt.Errorf("%w: --id is required (find failed ones with `thankyou tasks list --state failed`)", ErrUsage)
	}
	if *expireAfter <= 0 {
		return fmt.Errorf("--expire-after %s: give a positive duration like 72h", *expireAfter)
	}
	fallbackZone, err := time.LoadLocation(*zone)
	if err != nil || *zone == "" {
		return fmt.Errorf("--time-zone %q is not an IANA zone like Europe/Paris", *zone)
	}
	fallback, _, err := windowFlags("--window", "--days", *window, *days)
	if err != nil {
		return err
	}

	res, err := Retry(ctx, t.Store, *id, RetryDefaults{Window: fallback, Zone: fallbackZone, ExpireAfter: *expireAfter}, t.Now())
	if err != nil {
		return err
	}
	task, retried, in := res.Before, res.After, res.Zone
	due := retried.DueAt
	v := newTaskView(retried)
	if *asJSON {
		return writeJSON(t.Out, v)
	}
	fmt.Fprintf(t.Out, "Task %s (was %s) is pending again: due %s UTC (%s %s), deadline %s UTC. The dispatcher sends it at its first run after that.\n",
		task.ID, task.State, human(v.Due), due.In(in).Format("Mon 15:04"), in, human(v.Deadline))
	if hint := codeHint(task.ErrorCode); hint != "" {
		fmt.Fprintf(t.Out, "Note: it failed with Twilio code %d (%s); it will likely fail the same way unless that was fixed.\n", task.ErrorCode, hint)
	}
	return nil
}

// codeHint names Twilio's refusals that a retry does not cure.
func codeHint(code int) string {
	switch code {
	case 21211:
		return "invalid 'To' number"
	case 21408:
		return "no permission to send to that region"
	case 21612:
		return "the number cannot be reached from the sender"
	case 21614:
		return "not a mobile number"
	}
	return ""
}

// ceilSecond rounds t up to a whole second (stored times have seconds).
func ceilSecond(t time.Time) time.Time {
	s := t.UTC().Truncate(time.Second)
	if s.Before(t) {
		s = s.Add(time.Second)
	}
	return s
}

func (t *Tool) tasksCancel(ctx context.Context, args []string) error {
	fs := newFlags("tasks cancel")
	id := fs.String("id", "", "")
	reason := fs.String("reason", defaultCancelReason, "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return fmt.Errorf("%w: --id is required (see `thankyou tasks list --upcoming`)", ErrUsage)
	}
	if strings.TrimSpace(*reason) == "" {
		*reason = defaultCancelReason
	}
	after, already, err := Cancel(ctx, t.Store, *id, *reason, t.Now())
	if err != nil {
		return err
	}
	if already {
		if *asJSON {
			return writeJSON(t.Out, newTaskView(after))
		}
		fmt.Fprintf(t.Out, "Task %s is already cancelled (%s).\n", after.ID, orDash(scrub(after.Reason)))
		return nil
	}
	if *asJSON {
		return writeJSON(t.Out, newTaskView(after))
	}
	fmt.Fprintf(t.Out, "Task %s is cancelled (%s): it will not be sent.\n", after.ID, scrub(after.Reason))
	return nil
}

// tasksResolve clears a task's needs-attention flag.
func (t *Tool) tasksResolve(ctx context.Context, args []string) error {
	fs := newFlags("tasks resolve")
	id := fs.String("id", "", "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *id == "" {
		return fmt.Errorf("%w: --id is required (see `thankyou tasks list --state %s`)", ErrUsage, thankyou.NeedsAttention)
	}
	task, err := t.Store.ClearAttention(ctx, *id, t.Now())
	if err != nil {
		return describeTask(err)
	}
	if *asJSON {
		return writeJSON(t.Out, newTaskView(task))
	}
	fmt.Fprintf(t.Out, "Task %s no longer needs attention.\n", task.ID)
	return nil
}

func describeTask(err error) error {
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		return fmt.Errorf("%s (see `thankyou tasks list`; ids look like shopify:shop.myshopify.com:820982911946154508)", thankyou.ErrorMessage(err))
	}
	return err
}

// taskView is a task as the tool prints it: no names or emails, the
// recipient masked, phone numbers and emails in reasons masked.
type taskView struct {
	ID          string `json:"id"`
	State       string `json:"state"`
	Reason      string `json:"reason,omitempty"`
	Source      string `json:"source"`
	Shop        string `json:"shop,omitempty"`
	OrderNumber string `json:"orderNumber,omitempty"`
	Channel     string `json:"channel,omitempty"`
	Recipient   string `json:"to,omitempty"`
	Due         string `json:"due,omitempty"`
	Deadline    string `json:"deadline,omitempty"`
	TimeZone    string `json:"timeZone,omitempty"`
	Region      string `json:"region,omitempty"`
	Window      string `json:"window,omitempty"`
	Closed      string `json:"closed,omitempty"`
	Attempts    int    `json:"attempts"`
	MessageSID  string `json:"sid,omitempty"`
	ErrorCode   int    `json:"errorCode,omitempty"`
	// Staff call (channel staff): who is asked, how often reminded.
	StaffMember string `json:"staffMember,omitempty"`
	Reminders   int    `json:"reminders,omitempty"`
	Reassigned  int    `json:"reassigned,omitempty"`
	// Call: the last call's SID, status, the customer's leg, its length.
	CallSID      string `json:"callSid,omitempty"`
	CallStatus   string `json:"callStatus,omitempty"`
	CallCustomer string `json:"callCustomer,omitempty"`
	CallSeconds  int    `json:"callSeconds,omitempty"`
	AnsweredBy   string `json:"answeredBy,omitempty"`
	// VoiceFallback: an automated call not answered became the SMS.
	VoiceFallback bool `json:"voiceFallback,omitempty"`
	// Language is the message's; Trigger what the delay counts from (when
	// not the order), Triggered when that event came.
	Language  string `json:"language,omitempty"`
	Trigger   string `json:"trigger,omitempty"`
	Triggered string `json:"triggered,omitempty"`
	Created   string `json:"created"`
	// Replies counts the conversation's entries (the customer's replies
	// and the staff's answers); NeedsAttention flags a complaint.
	// Conversation, with the texts, is filled by tasks show only.
	Replies        int         `json:"replies,omitempty"`
	NeedsAttention bool        `json:"needsAttention,omitempty"`
	Conversation   []entryView `json:"conversation,omitempty"`
	History        []eventView `json:"history,omitempty"`
}

// entryView is one message of a task's conversation, for tasks show.
type entryView struct {
	At        string `json:"at"`
	From      string `json:"from"`
	Complaint bool   `json:"complaint,omitempty"`
	Text      string `json:"text"`
}

// repliesText is the list's REPLIES column: how many messages, and
// whether one needs attention.
func repliesText(v taskView) string {
	switch {
	case v.NeedsAttention:
		return fmt.Sprintf("%d, needs attention", v.Replies)
	case v.Replies > 0:
		return strconv.Itoa(v.Replies)
	}
	return ""
}

// eventView is one entry of a task's history.
type eventView struct {
	At     string `json:"at"`
	Event  string `json:"event"`
	Detail string `json:"detail,omitempty"`
}

// stamp is a time as the views carry it: RFC 3339 in UTC, "" for none.
// Tables print it shorter (human); --json prints it as is.
func stamp(x time.Time) string {
	if x.IsZero() {
		return ""
	}
	return x.UTC().Format(time.RFC3339)
}

// human is a stamp as the tables print it: "2026-11-26 16:05" (UTC).
func human(s string) string {
	x, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return x.UTC().Format("2006-01-02 15:04")
}

func newTaskView(t thankyou.Task) taskView {
	return taskView{
		ID: t.ID, State: string(t.State), Reason: scrub(t.Reason), Source: string(t.Order.Source), Shop: t.Order.Shop,
		OrderNumber: t.Order.Number, Channel: string(t.Channel), Recipient: phone.Mask(t.Recipient),
		Due: stamp(t.DueAt), Deadline: stamp(t.Deadline), TimeZone: t.TimeZone, Region: t.Order.Region, Window: t.Window.String(), Closed: t.Closed, Attempts: t.Attempts,
		MessageSID: t.MessageSID, ErrorCode: t.ErrorCode, Created: stamp(t.CreatedAt),
		StaffMember: t.Staff.MemberID, Reminders: t.Staff.Reminders, Reassigned: t.Staff.Reassigned,
		CallSID: t.Call.SID, CallStatus: t.Call.Status, CallCustomer: t.Call.Customer,
		CallSeconds: int(t.Call.Duration / time.Second), AnsweredBy: t.Call.AnsweredBy, VoiceFallback: t.VoiceFallback,
		Language: t.Language, Trigger: string(t.Trigger), Triggered: stamp(t.TriggeredAt),
		Replies: len(t.Conversation), NeedsAttention: t.NeedsAttention,
	}
}

// codeText is a Twilio error code as text, "" for none.
func codeText(code int) string {
	if code == 0 {
		return ""
	}
	return strconv.Itoa(code)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// RetryDefaults are what a retried task that carries no window or zone of
// its own is sent in, and how long after its new due time it expires.
type RetryDefaults struct {
	Window      thankyou.Window
	Zone        *time.Location
	ExpireAfter time.Duration
}

// DefaultRetry is the configuration's defaults, as `tasks retry` takes
// them without flags.
func DefaultRetry() (RetryDefaults, error) {
	w, _, err := windowFlags("--window", "--days", defaultWindow, defaultDays)
	if err != nil {
		return RetryDefaults{}, fmt.Errorf("the default window: %w", err)
	}
	zone, err := time.LoadLocation(defaultTimeZone)
	if err != nil {
		return RetryDefaults{}, fmt.Errorf("the default zone %s: %w", defaultTimeZone, err)
	}
	return RetryDefaults{Window: w, Zone: zone, ExpireAfter: defaultExpireAfter}, nil
}

// RetryResult is a retried task before and after, and the zone its new
// due time was chosen in.
type RetryResult struct {
	Before, After thankyou.Task
	Zone          *time.Location
}

// Retry puts a failed, expired or undelivered task back to pending, due at
// the next polite time of its own window and zones (d's for a task that
// has none). Every other state is refused with an error saying why. Both
// `tasks retry` and the dashboard retry with it.
func Retry(ctx context.Context, s Store, id string, d RetryDefaults, now time.Time) (RetryResult, error) {
	task, err := s.GetTask(ctx, id)
	if err != nil {
		return RetryResult{}, describeTask(err)
	}
	if !task.State.Retryable() {
		return RetryResult{}, notRetryable(task)
	}
	w := d.Window
	if !task.Window.IsZero() {
		w = task.Window
	}
	zones := polite.Zones(strings.Split(task.TimeZone, ","), d.Zone)
	closed, err := polite.ParseDates(task.Closed)
	if err != nil {
		return RetryResult{}, fmt.Errorf("task %s has unreadable closed dates %q (%s): nothing changed", task.ID, task.Closed, thankyou.ErrorMessage(err))
	}
	to := task.Order.Phone
	if to == "" {
		to = task.Recipient
	}
	// The same hours the dispatcher's gate asks: the window, the law where
	// the customer lives, holidays and closed dates.
	v := polite.Hours{Window: w, Closed: closed}.At(now, polite.Recipient{Phone: to, Zones: zones, Region: task.Order.Region, Country: task.Order.Country})
	due := now
	switch {
	case v.Reason == polite.ReasonNoPoliteTime:
		return RetryResult{}, fmt.Errorf("task %s was not retried: %s (%s)", task.ID, polite.NoPoliteTimeText, v.Detail)
	case !v.Open:
		due = v.Next
	}
	due = ceilSecond(due)
	retried, err := s.RetryTask(ctx, task.ID, task.State, due, due.Add(d.ExpireAfter), now)
	if err != nil {
		if c := thankyou.ErrorCode(err); c == thankyou.ECONFLICT || c == thankyou.ENOTFOUND {
			return RetryResult{}, fmt.Errorf("task %s was not retried: %s (see `thankyou tasks show --id %s`)", task.ID, thankyou.ErrorMessage(err), task.ID)
		}
		return RetryResult{}, fmt.Errorf("retry task %s: %w", task.ID, err)
	}
	return RetryResult{Before: task, After: retried, Zone: zones[0]}, nil
}

// RetryHint names a Twilio refusal that a retry does not cure, "" for
// other codes.
func RetryHint(code int) string { return codeHint(code) }

// Cancel cancels a pending task (or asks the dispatcher holding it to),
// recording reason (the default one when blank). A task already
// cancelled is returned as it is with already set; every other state is
// refused with an error saying why. Both `tasks cancel` and the dashboard
// cancel with it.
func Cancel(ctx context.Context, s Store, id, reason string, now time.Time) (task thankyou.Task, already bool, err error) {
	if strings.TrimSpace(reason) == "" {
		reason = defaultCancelReason
	}
	task, err = s.GetTask(ctx, id)
	if err != nil {
		return thankyou.Task{}, false, describeTask(err)
	}
	switch {
	case task.State == thankyou.StateCancelled:
		return task, true, nil
	case !task.State.Cancellable():
		return thankyou.Task{}, false, fmt.Errorf("task %s is %s: only a task not yet sent can be cancelled (nothing changed)", task.ID, task.State)
	}
	after, err := s.CancelTask(ctx, task.Order, strings.TrimSpace(reason), now)
	if thankyou.ErrorCode(err) == thankyou.ECONFLICT && after.State == thankyou.StateSending {
		return thankyou.Task{}, false, fmt.Errorf("task %s: %s; check in a few minutes with `thankyou tasks show --id %s`", task.ID, thankyou.ErrorMessage(err), task.ID)
	}
	if err != nil {
		return thankyou.Task{}, false, fmt.Errorf("cancel task %s: %w", task.ID, err)
	}
	if after.State != thankyou.StateCancelled {
		// It moved on between the read and the cancellation.
		return thankyou.Task{}, false, fmt.Errorf("task %s is %s now: only a task not yet sent can be cancelled (nothing changed)", task.ID, after.State)
	}
	return after, false, nil
}

// Scrub masks the phone numbers and emails a free-text reason may quote,
// as the tool prints it.
func Scrub(s string) string { return scrub(s) }
