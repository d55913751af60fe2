package dynamo_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestAReplyFindsTheLastTaskAndIsKeptOnIt(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	first := e.create(t, customerTask(testShop, "c1", ada, t0))
	second := e.create(t, customerTask(testShop, "c2", ada, t0))
	if _, found, err := e.store.LastTask(ctx, testPhone, t0); err != nil || found {
		t.Fatalf("LastTask before any send = %v, %v; want none", found, err)
	}
	for _, id := range []string{first.ID, second.ID} {
		if err := e.store.NoteLastTask(ctx, testPhone, id, t0); err != nil {
			t.Fatal(err)
		}
	}
	id, found, err := e.store.LastTask(ctx, testPhone, t0)
	if err != nil || !found || id != second.ID {
		t.Fatalf("LastTask = %q, %v, %v; want %q", id, found, err, second.ID)
	}
	// DynamoDB's TTL may lag: a route past its retention is no route.
	if _, found, err := e.store.LastTask(ctx, testPhone, t0.Add(retention+time.Second)); err != nil || found {
		t.Errorf("LastTask after the retention = %v, %v; want none", found, err)
	}

	got, n, err := e.store.AddEntry(ctx, id, thankyou.Entry{At: t0, From: thankyou.SpeakerCustomer, Text: "love the mug!"}, t0)
	if err != nil || n != 0 || got.NeedsAttention {
		t.Fatalf("AddEntry = %d, attention %v, %v; want 0, false", n, got.NeedsAttention, err)
	}
	complaint := thankyou.Entry{At: t0.Add(time.Minute), From: thankyou.SpeakerCustomer, Text: "oh, the handle is broken", Complaint: "broken", SID: "SM1"}
	got, n, err = e.store.AddEntry(ctx, id, complaint, t0)
	if err != nil || n != 1 || !got.NeedsAttention {
		t.Fatalf("AddEntry of a complaint = %d, attention %v, %v; want 1, true", n, got.NeedsAttention, err)
	}
	// Twilio delivers it again: recorded once.
	if _, _, err := e.store.AddEntry(ctx, id, complaint, t0); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("the same message again: %v, want ECONFLICT", err)
	}
	read := e.get(t, id)
	if len(read.Conversation) != 2 || read.Conversation[1].Text != "oh, the handle is broken" || read.Conversation[1].Complaint != "broken" || !read.NeedsAttention {
		t.Fatalf("task read back: %+v, attention %v", read.Conversation, read.NeedsAttention)
	}
	// The history says a reply came (and the list's word), never its text.
	if h := e.events(t, id, "handle", "love", "broken"); lastEvent(h).Detail != "from=customer complaint" {
		t.Errorf("history: %+v", lastEvent(h))
	}
	for range thankyou.MaxConversation - 2 {
		if _, _, err := e.store.AddEntry(ctx, id, thankyou.Entry{At: t0, From: thankyou.SpeakerStaff, Text: "x"}, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.store.AddEntry(ctx, id, thankyou.Entry{At: t0, From: thankyou.SpeakerCustomer, Text: "one more"}, t0); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("AddEntry to a full conversation: %v, want ECONFLICT", err)
	}
	if _, _, err := e.store.AddEntry(ctx, "shopify:nope:1", thankyou.Entry{At: t0, From: thankyou.SpeakerCustomer, Text: "hi"}, t0); thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
		t.Errorf("AddEntry to no task: %v, want ENOTFOUND", err)
	}
}

func TestForwardsWaitInTheirOwnPartition(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	task := e.create(t, customerTask(testShop, "f1", ada, t0))
	f := thankyou.Forward{TaskID: task.ID, Entry: 0, Due: t0.Add(2 * time.Hour)}
	if err := e.store.QueueForward(ctx, f, t0); err != nil {
		t.Fatal(err)
	}
	if fs, err := e.store.DueForwards(ctx, t0, 10); err != nil || len(fs) != 0 {
		t.Fatalf("DueForwards before its time = %v, %v", fs, err)
	}
	fs, err := e.store.DueForwards(ctx, f.Due, 10)
	if err != nil || len(fs) != 1 || fs[0].TaskID != f.TaskID || fs[0].Entry != 0 || !fs[0].Due.Equal(f.Due) {
		t.Fatalf("DueForwards at its time = %+v, %v; want %+v", fs, err, f)
	}
	// The thank-you sweep never sees it.
	for _, id := range e.due(t, f.Due.Add(365*24*time.Hour), 0) {
		if id != task.ID {
			t.Errorf("the thank-you sweep sees %q", id)
		}
	}
	ok, err := e.store.ClaimForward(ctx, fs[0], f.Due, 5*time.Minute)
	if err != nil || !ok {
		t.Fatalf("ClaimForward = %v, %v", ok, err)
	}
	if ok, err := e.store.ClaimForward(ctx, fs[0], f.Due, 5*time.Minute); err != nil || ok {
		t.Fatalf("second ClaimForward = %v, %v; want false", ok, err)
	}
	if fs, _ := e.store.DueForwards(ctx, f.Due.Add(time.Minute), 10); len(fs) != 0 {
		t.Errorf("a claimed forward is due again before its lease ends: %v", fs)
	}
	if fs, _ := e.store.DueForwards(ctx, f.Due.Add(6*time.Minute), 10); len(fs) != 1 {
		t.Errorf("a claimed forward whose run died is not due after its lease: %v", fs)
	}
	if err := e.store.DoneForward(ctx, f); err != nil {
		t.Fatal(err)
	}
	if fs, _ := e.store.DueForwards(ctx, f.Due.Add(time.Hour), 10); len(fs) != 0 {
		t.Errorf("DueForwards after DoneForward = %v", fs)
	}
}

func TestErasuresTakeTheConversationAndTheRoutes(t *testing.T) {
	e := newEnv(t, dynamo.Options{})
	ctx := context.Background()
	const other = "other.myshopify.com"
	mine := e.create(t, customerTask(testShop, "e1", ada, t0))
	theirs := e.create(t, customerTask(other, "e1", ada, t0))
	for _, task := range []thankyou.Task{mine, theirs} {
		if _, _, err := e.store.AddEntry(ctx, task.ID, thankyou.Entry{At: t0, From: thankyou.SpeakerCustomer, Text: "my name is Ada Lovelace"}, t0); err != nil {
			t.Fatal(err)
		}
		if err := e.store.QueueForward(ctx, thankyou.Forward{TaskID: task.ID, Due: t0}, t0); err != nil {
			t.Fatal(err)
		}
		if err := e.store.NoteAnswerable(ctx, staffPhone, task.Order.Number, task.ID, t0); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.store.NoteLastTask(ctx, testPhone, mine.ID, t0); err != nil {
		t.Fatal(err)
	}

	r, err := e.store.CustomerReport(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Phones: []string{testPhone}, OrderIDs: []string{"e1"}})
	if err != nil || len(r.Tasks) != 1 || !slices.Contains(r.Tasks[0].Fields, thankyou.FieldConversation) {
		t.Errorf("data request = %+v, %v; want the conversation named", r.Tasks, err)
	}
	if _, err := e.store.EraseCustomer(ctx, thankyou.SourceShopify, testShop, thankyou.Customer{Phones: []string{testPhone}}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got := e.get(t, mine.ID).Conversation; len(got) != 0 {
		t.Errorf("conversation after the customer's erasure: %+v", got)
	}
	if _, found, _ := e.store.LastTask(ctx, testPhone, t0); found {
		t.Error("the reply route to the erased customer's task is still there")
	}
	if _, _, err := e.store.AddEntry(ctx, mine.ID, thankyou.Entry{At: t0, From: thankyou.SpeakerCustomer, Text: "hello again"}, t0.Add(2*time.Hour)); thankyou.ErrorCode(err) != thankyou.ECONFLICT {
		t.Errorf("a reply recorded on an erased task: %v", err)
	}
	if got := e.get(t, theirs.ID).Conversation; len(got) != 1 {
		t.Errorf("the other shop's conversation: %+v", got)
	}

	if _, err := e.store.EraseShop(ctx, thankyou.SourceShopify, testShop, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	for _, item := range e.scanAll(t) {
		pk, sk := strAttr(item, "pk"), strAttr(item, "sk")
		if strings.Contains(pk, testShop+":") || strings.Contains(strAttr(item, "taskId"), testShop+":") {
			t.Errorf("item %s %s of the erased shop is left", pk, sk)
		}
	}
	if id, found, _ := e.store.AnswerableTask(ctx, staffPhone, theirs.Order.Number, t0); !found || id != theirs.ID {
		t.Errorf("the other shop's reply route = %q, %v", id, found)
	}
	if fs, _ := e.store.DueForwards(ctx, t0, 10); len(fs) != 1 || fs[0].TaskID != theirs.ID {
		t.Errorf("forwards left = %+v, want the other shop's", fs)
	}
}
