package replies_test

import (
	"context"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/contact"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/dynamo/dynamotest"
	"github.com/thankyoucalls/thankyoucalls/internal/replies"
	"github.com/thankyoucalls/thankyoucalls/internal/settings"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio"
	"github.com/thankyoucalls/thankyoucalls/internal/twilio/twiliotest"
)

func TestMain(m *testing.M) { dynamotest.Main(m) }

// A reply is forwarded to a stored shop's staff phone in that shop's own
// hours and zone (resolved as for every contact about the task), not the
// deployment's: West's phone answers 13:00-19:00 in Los Angeles while the
// deployment's staff phone hours are 09:00-12:00 in New York.
func TestAForwardKeepsToTheShopsStaffHours(t *testing.T) {
	const (
		accountSID = "AC0123456789abcdef0123456789abcdef"
		authToken  = "0123456789abcdef0123456789abcdef"
		westPhone  = "+14155550172"
	)
	ctx := context.Background()
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Fatal(err)
	}
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tue := func(hour int) time.Time { return time.Date(2026, 12, 1, hour, 0, 0, 0, la) }
	tests := []struct {
		name    string
		at      time.Time
		sent    bool
		waiting time.Time
	}{
		{"inside the shop's hours, after the deployment's", tue(15), true, time.Time{}},
		{"before the shop's hours, inside the deployment's", tue(9), false, tue(13)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, table := dynamotest.NewTable(t)
			store := dynamo.New(client, table, dynamo.Options{})
			srv, err := twiliotest.NewServer(twiliotest.Options{AccountSID: accountSID, AuthToken: authToken})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = srv.Close() })
			tw, err := twilio.New(twilio.Config{AccountSID: accountSID, AuthToken: authToken, From: "+15005550006", BaseURL: srv.URL()})
			if err != nil {
				t.Fatal(err)
			}
			west := thankyou.Shop{Source: thankyou.SourceShopify, ID: "west.myshopify.com", Name: "West", TimeZone: la.String(),
				Channel: thankyou.ChannelStaff, StaffPhone: westPhone, StaffHours: thankyou.MustWindow("13:00-19:00 Mon-Sat"),
				Window: thankyou.MustWindow("11:00-19:00 Mon-Sat")}
			if err := store.PutShop(ctx, west, tt.at); err != nil {
				t.Fatal(err)
			}
			f := &replies.Forwarder{
				Gate: &contact.Gate{Consent: store, Sender: tw}, Store: store, Directory: store,
				Settings: settings.Deployment{Zone: ny, StaffWindow: thankyou.MustWindow("09:00-12:00 Mon-Fri")},
			}
			task := thankyou.Task{ID: "shopify:west.myshopify.com:1002", Channel: thankyou.ChannelSMS,
				Order:        thankyou.Order{Source: west.Source, Shop: west.ID, ID: "1002", Number: "1002", FirstName: "Jane", Phone: "+14155550123"},
				Conversation: []thankyou.Entry{{At: tt.at, From: "customer", Text: "Love the mug!"}}}
			got, err := f.Forward(ctx, task, 0, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got.Sent != tt.sent || !got.Waiting.Equal(tt.waiting) {
				t.Fatalf("forward at %s = %+v, want sent %v, waiting until %s", tt.at, got, tt.sent, tt.waiting)
			}
			if msgs := srv.Messages(); tt.sent && (len(msgs) != 1 || msgs[0].To != westPhone) {
				t.Errorf("messages = %d, want one to West's staff phone", len(msgs))
			}
		})
	}
}
