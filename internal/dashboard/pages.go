package dashboard

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/operator"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// pageNames are the page templates, each rendered inside layout.html.
var pageNames = []string{"today", "upcoming", "staff", "task", "optouts", "replies", "effect"}

func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{"mask": phone.Mask}
	pages := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("dashboard: template %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// page is what every page's template gets.
type page struct {
	Title   string
	Current string
	Base    string
	CSRF    string
	Nav     []navItem
	Flash   string
	Error   string
	Now     string
	Data    any
}

type navItem struct{ Name, Path, Label string }

func (s *Server) nav() []navItem {
	n := []navItem{{"today", "", "Today"}, {"upcoming", "upcoming", "Upcoming"}, {"staff", "staff", "Staff calls"}, {"optouts", "optouts", "Opt-outs"}}
	if s.o.Replies != nil {
		n = append(n, navItem{"replies", "replies", "Replies"})
	}
	if s.o.Effect != nil {
		n = append(n, navItem{"effect", "effect", "Effect"})
	}
	return n
}

// flashes are the confirmations a redirect after an action may name
// (?done=...): only these texts are shown, never text from the URL.
var flashes = map[string]string{
	"cancelled": "Cancelled: it will not be sent.",
	"already":   "It was already cancelled.",
	"retried":   "Pending again: it goes out at the next polite time.",
	"added":     "Opted out: no shop contacts this number from now on.",
	"removed":   "Opt-out removed: the number may be contacted again.",
	"notfound":  "That number was not opted out: nothing changed.",
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any, errText string) {
	p := page{
		Title: title, Current: name, Base: s.Path(), CSRF: s.csrf, Nav: s.nav(),
		Flash: flashes[r.URL.Query().Get("done")], Error: errText,
		Now: s.o.Now().In(s.o.Zone).Format("Mon 2 Jan 2006 15:04 MST"), Data: data,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := s.pages[name].Execute(w, p); err != nil {
		s.o.Log.ErrorContext(r.Context(), "render a dashboard page", "page", name, "error", err)
	}
}

// fail answers a page that could not be read.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, what string, err error) {
	s.o.Log.ErrorContext(r.Context(), "dashboard", "page", what, "error", operator.Scrub(err.Error()))
	http.Error(w, what+": "+operator.Scrub(err.Error()), http.StatusBadGateway)
}

// days is how far back the dashboard reads tasks (by creation): the
// chart's 30 days and the tasks that ended in them after a few days.
const days = 30

// recent returns the tasks created in the last days+10 days.
func (s *Server) recent(ctx context.Context, now time.Time) ([]thankyou.Task, error) {
	var tasks []thankyou.Task
	q := dynamo.TaskQuery{CreatedFrom: startOfDay(now, s.o.Zone).AddDate(0, 0, -days-10)}
	err := s.o.Store.ScanTasks(ctx, q, nil, func(t thankyou.Task) error {
		tasks = append(tasks, t)
		return nil
	})
	return tasks, err
}

func startOfDay(t time.Time, z *time.Location) time.Time {
	y, m, d := t.In(z).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, z)
}

// changed is when a task last changed (reached its state).
func changed(t thankyou.Task) time.Time { return cmp.Or(t.UpdatedAt, t.CreatedAt) }

// countRow is one line of a breakdown.
type countRow struct {
	Label string
	N     int
}

// todayData is the Today page.
type todayData struct {
	Day     string
	Due     int
	Overdue int
	// Sent counts the messages Twilio accepted today, delivered or not.
	Sent         int
	Today        operator.Summary
	Failed       []countRow
	Skipped      []countRow
	AwaitingCall int
	OptOutsToday int
	OptOutsAll   int
	Chart        chart
}

func (s *Server) today(w http.ResponseWriter, r *http.Request) {
	ctx, now := r.Context(), s.o.Now()
	day := startOfDay(now, s.o.Zone)
	end := day.AddDate(0, 0, 1)
	d := todayData{Day: day.Format("Monday 2 January 2006"), Today: operator.NewSummary(day, end)}
	err := s.o.Store.UpcomingTasks(ctx, time.Time{}, end, nil, func(t thankyou.Task) error {
		if t.State == thankyou.StatePending || t.State == thankyou.StateSending {
			d.Due++
			if t.DueAt.Before(day) {
				d.Overdue++
			}
		}
		return nil
	})
	if err != nil {
		s.fail(w, r, "read the due index", err)
		return
	}
	tasks, err := s.recent(ctx, now)
	if err != nil {
		s.fail(w, r, "read the tasks", err)
		return
	}
	perDay := make([]operator.Summary, days)
	first := day.AddDate(0, 0, -days+1)
	for _, t := range tasks {
		if t.State == thankyou.StateReminded {
			d.AwaitingCall++
		}
		at := changed(t)
		if !at.Before(day) && at.Before(end) {
			d.Today.Add(t)
		}
		if i := int(startOfDay(at, s.o.Zone).Sub(first).Hours()+12) / 24; !at.Before(first) && i >= 0 && i < days {
			perDay[i].Add(t)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(d.Today.FailedByCode)) {
		label := "no Twilio code (out of attempts, or refused before sending)"
		if code, err := strconv.Atoi(k); err == nil {
			label = "Twilio " + k
			if h := operator.RetryHint(code); h != "" {
				label += " (" + h + ")"
			}
		}
		d.Failed = append(d.Failed, countRow{label, d.Today.FailedByCode[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(d.Today.SkippedByReason)) {
		d.Skipped = append(d.Skipped, countRow{k, d.Today.SkippedByReason[k]})
	}
	sortRows(d.Failed)
	sortRows(d.Skipped)
	optOuts, err := s.o.Store.ListOptOuts(ctx)
	if err != nil {
		s.fail(w, r, "read the opt-outs", err)
		return
	}
	d.OptOutsAll = len(optOuts)
	for _, o := range optOuts {
		if !o.At.Before(day) && o.At.Before(end) {
			d.OptOutsToday++
		}
	}
	d.Sent = d.Today.Sent + d.Today.Delivered + d.Today.Undelivered
	d.Chart = outcomeChart(first, perDay)
	s.render(w, r, http.StatusOK, "today", "Today", d, "")
}

func sortRows(rows []countRow) {
	slices.SortStableFunc(rows, func(a, b countRow) int { return b.N - a.N })
}

// upcomingRow is one pending thank-you.
type upcomingRow struct {
	ID, Order, FirstName, To, Channel string
	Local, Zone, UTC                  string
	Why                               Why
}

// maxUpcoming bounds the Upcoming page.
const maxUpcoming = 200

func (s *Server) upcoming(w http.ResponseWriter, r *http.Request) {
	var rows []upcomingRow
	more := false
	err := s.o.Store.UpcomingTasks(r.Context(), time.Time{}, time.Time{}, nil, func(t thankyou.Task) error {
		if t.State != thankyou.StatePending {
			return nil
		}
		if len(rows) == maxUpcoming {
			more = true
			return nil
		}
		z := zonesOf(t, s.o.Retry)[0]
		rows = append(rows, upcomingRow{
			ID: t.ID, Order: t.Order.Number, FirstName: t.Order.FirstName, To: phone.Mask(t.Recipient), Channel: string(t.Channel),
			Local: t.DueAt.In(z).Format("Mon 2 Jan 15:04 MST"), Zone: z.String(), UTC: t.DueAt.UTC().Format("2006-01-02 15:04"),
			Why: whyThen(t, s.o.Retry),
		})
		return nil
	})
	if err != nil {
		s.fail(w, r, "read the due index", err)
		return
	}
	s.render(w, r, http.StatusOK, "upcoming", "Upcoming", struct {
		Rows []upcomingRow
		More bool
	}{rows, more}, "")
}

// callRow is one staff call.
type callRow struct {
	ID, Order, FirstName, State, Age, Reason string
	Reminders, HandOvers                     int
}

// memberCalls are one staff member's open calls.
type memberCalls struct {
	Member string
	Calls  []callRow
}

func (s *Server) staff(w http.ResponseWriter, r *http.Request) {
	now := s.o.Now()
	tasks, err := s.recent(r.Context(), now)
	if err != nil {
		s.fail(w, r, "read the tasks", err)
		return
	}
	day := startOfDay(now, s.o.Zone)
	open := map[string][]callRow{}
	var done, skipped []callRow
	for _, t := range tasks {
		if t.Channel != thankyou.ChannelStaff {
			continue
		}
		row := callRow{ID: t.ID, Order: t.Order.Number, FirstName: t.Order.FirstName, State: string(t.State),
			Age: age(now.Sub(t.CreatedAt)), Reason: operator.Scrub(t.Reason), Reminders: t.Staff.Reminders, HandOvers: t.Staff.Reassigned}
		switch {
		case t.State.Open():
			m := t.Staff.MemberID
			if m == "" {
				m = "the shop's staff phone " + phone.Mask(t.Recipient)
			}
			open[m] = append(open[m], row)
		case changed(t).Before(day):
		case t.State == thankyou.StateCalled:
			done = append(done, row)
		case t.State == thankyou.StateSkipped:
			skipped = append(skipped, row)
		}
	}
	var members []memberCalls
	for _, m := range slices.Sorted(maps.Keys(open)) {
		members = append(members, memberCalls{m, open[m]})
	}
	s.render(w, r, http.StatusOK, "staff", "Staff calls", struct {
		Members       []memberCalls
		Done, Skipped []callRow
	}{members, done, skipped}, "")
}

// age is a duration as people read an age: "3 d 4 h", "2 h 5 min".
func age(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%d d %d h", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	case d >= time.Hour:
		return fmt.Sprintf("%d h %d min", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%d min", max(0, int(d/time.Minute)))
}

// taskData is the task page.
type taskData struct {
	ID, State, Reason, Order, Shop, Source, FirstName, To, Channel string
	Due, Deadline, Created, TimeZone, Window, SID                  string
	ErrorCode, Attempts, Reminders, HandOvers                      int
	Member, Call                                                   string
	CanCancel, CanRetry                                            bool
	History                                                        []eventRow
}

type eventRow struct{ At, Event, Detail string }

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func (s *Server) task(w http.ResponseWriter, r *http.Request) {
	s.showTask(w, r, http.StatusOK, r.URL.Query().Get("id"), "")
}

func (s *Server) showTask(w http.ResponseWriter, r *http.Request, status int, id, errText string) {
	if id == "" {
		http.Error(w, "which task? (?id=...)", http.StatusBadRequest)
		return
	}
	t, events, err := s.o.Store.GetTaskHistory(r.Context(), id)
	if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
		s.render(w, r, http.StatusNotFound, "task", "Task", nil, "No task "+id+".")
		return
	}
	if err != nil {
		s.fail(w, r, "read the task", err)
		return
	}
	d := taskData{
		ID: t.ID, State: string(t.State), Reason: operator.Scrub(t.Reason), Order: t.Order.Number, Shop: t.Order.Shop, Source: string(t.Order.Source),
		FirstName: t.Order.FirstName, To: phone.Mask(t.Recipient), Channel: string(t.Channel),
		Due: utc(t.DueAt), Deadline: utc(t.Deadline), Created: utc(t.CreatedAt), TimeZone: t.TimeZone, Window: t.Window.String(),
		SID: t.MessageSID, ErrorCode: t.ErrorCode, Attempts: t.Attempts, Reminders: t.Staff.Reminders, HandOvers: t.Staff.Reassigned,
		Member: t.Staff.MemberID, Call: strings.TrimSpace(t.Call.Status + " " + t.Call.Customer),
		CanCancel: t.State.Cancellable(), CanRetry: t.State.Retryable(),
	}
	for _, ev := range events {
		d.History = append(d.History, eventRow{utc(ev.At), ev.Event, operator.Scrub(ev.Detail)})
	}
	s.render(w, r, status, "task", "Task "+t.Order.Number, d, errText)
}

// back redirects to a task's page after an action.
func (s *Server) back(w http.ResponseWriter, r *http.Request, id, done string) {
	http.Redirect(w, r, s.Path()+"task?"+url.Values{"id": {id}, "done": {done}}.Encode(), http.StatusSeeOther)
}

func (s *Server) cancel(w http.ResponseWriter, r *http.Request) {
	id := r.PostForm.Get("id")
	t, already, err := operator.Cancel(r.Context(), s.o.Store, id, "cancelled from the dashboard", s.o.Now())
	if err != nil {
		s.showTask(w, r, http.StatusConflict, id, "Not cancelled: "+operator.Scrub(err.Error()))
		return
	}
	s.o.Log.InfoContext(r.Context(), "task cancelled from the dashboard", "task", t.ID)
	s.back(w, r, t.ID, map[bool]string{true: "already", false: "cancelled"}[already])
}

func (s *Server) retry(w http.ResponseWriter, r *http.Request) {
	id := r.PostForm.Get("id")
	res, err := operator.Retry(r.Context(), s.o.Store, id, s.o.Retry, s.o.Now())
	if err != nil {
		s.showTask(w, r, http.StatusConflict, id, "Not retried: "+operator.Scrub(err.Error()))
		return
	}
	s.o.Log.InfoContext(r.Context(), "task retried from the dashboard", "task", res.After.ID)
	s.back(w, r, res.After.ID, "retried")
}

// optOutRow is one opted-out number, masked, with an opaque reference
// for its remove button.
type optOutRow struct{ Phone, Ref, Keyword, Reason, At string }

func (s *Server) optOuts(w http.ResponseWriter, r *http.Request) {
	s.showOptOuts(w, r, http.StatusOK, "")
}

func (s *Server) showOptOuts(w http.ResponseWriter, r *http.Request, status int, errText string) {
	list, err := s.o.Store.ListOptOuts(r.Context())
	if err != nil {
		s.fail(w, r, "read the opt-outs", err)
		return
	}
	rows := make([]optOutRow, 0, len(list))
	for _, o := range list {
		rows = append(rows, optOutRow{Phone: phone.Mask(o.Phone), Ref: s.ref(o.Phone), Keyword: o.Keyword, Reason: operator.Scrub(o.Reason), At: utc(o.At)})
	}
	s.render(w, r, status, "optouts", "Opt-outs", rows, errText)
}

func (s *Server) optOutAdd(w http.ResponseWriter, r *http.Request) {
	e164, err := phone.Normalize(r.PostForm.Get("phone"), cmp.Or(strings.ToUpper(strings.TrimSpace(r.PostForm.Get("country"))), "US"))
	if err != nil {
		s.showOptOuts(w, r, http.StatusBadRequest, "Not added: "+thankyou.ErrorMessage(err)+" (a national number is read with the country, default US)")
		return
	}
	if err := operator.AddOptOut(r.Context(), s.o.Store, e164, r.PostForm.Get("reason"), s.o.Now()); err != nil {
		s.fail(w, r, "add the opt-out", err)
		return
	}
	http.Redirect(w, r, s.Path()+"optouts?done=added", http.StatusSeeOther)
}

func (s *Server) optOutRemove(w http.ResponseWriter, r *http.Request) {
	ref := r.PostForm.Get("ref")
	if r.PostForm.Get("yes") != "on" {
		// As `optouts remove` needs --yes.
		s.showOptOuts(w, r, http.StatusBadRequest, "Not removed: tick that its owner asked to be contacted again (for example by texting START).")
		return
	}
	list, err := s.o.Store.ListOptOuts(r.Context())
	if err != nil {
		s.fail(w, r, "read the opt-outs", err)
		return
	}
	i := slices.IndexFunc(list, func(o dynamo.OptOut) bool { return s.ref(o.Phone) == ref })
	if i < 0 || ref == "" {
		http.Redirect(w, r, s.Path()+"optouts?done=notfound", http.StatusSeeOther)
		return
	}
	found, err := operator.RemoveOptOut(r.Context(), s.o.Store, list[i].Phone, s.o.Now())
	if err != nil {
		s.fail(w, r, "remove the opt-out", err)
		return
	}
	done := "removed"
	if !found {
		done = "notfound" // removed meanwhile
	}
	http.Redirect(w, r, s.Path()+"optouts?done="+done, http.StatusSeeOther)
}

// conversationRow is a conversation as the Replies page shows it.
type conversationRow struct {
	TaskID, FirstName, Phone string
	NeedsAttention           bool
	Messages                 []replyRow
}

type replyRow struct {
	At      string
	Inbound bool
	Text    string
}

func (s *Server) replies(w http.ResponseWriter, r *http.Request) {
	if s.o.Replies == nil {
		http.NotFound(w, r)
		return
	}
	convs, err := s.o.Replies.Conversations(r.Context())
	if err != nil {
		s.fail(w, r, "read the replies", err)
		return
	}
	last := func(c Conversation) time.Time {
		if len(c.Messages) == 0 {
			return time.Time{}
		}
		return c.Messages[len(c.Messages)-1].At
	}
	slices.SortStableFunc(convs, func(a, b Conversation) int {
		if a.NeedsAttention != b.NeedsAttention {
			if a.NeedsAttention {
				return -1
			}
			return 1
		}
		return last(b).Compare(last(a))
	})
	rows := make([]conversationRow, 0, len(convs))
	for _, c := range convs {
		row := conversationRow{TaskID: c.TaskID, FirstName: c.FirstName, Phone: phone.Mask(c.Phone), NeedsAttention: c.NeedsAttention}
		for _, m := range c.Messages {
			row.Messages = append(row.Messages, replyRow{utc(m.At), m.Inbound, operator.Scrub(m.Text)})
		}
		rows = append(rows, row)
	}
	s.render(w, r, http.StatusOK, "replies", "Replies", rows, "")
}

func (s *Server) effect(w http.ResponseWriter, r *http.Request) {
	if s.o.Effect == nil {
		http.NotFound(w, r)
		return
	}
	rep, ok, err := s.o.Effect.EffectReport(r.Context(), s.o.Now())
	if err != nil {
		s.fail(w, r, "read the effect report", err)
		return
	}
	if !ok {
		s.render(w, r, http.StatusOK, "effect", "Effect", nil, "")
		return
	}
	s.render(w, r, http.StatusOK, "effect", "Effect", struct {
		Verdict string
		Chart   lineChart
	}{rep.Verdict, effectChart(rep.Points)}, "")
}
