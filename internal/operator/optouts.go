package operator

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// OptOuts is what the optouts commands need of the table.
type OptOuts interface {
	ListOptOuts(ctx context.Context) ([]dynamo.OptOut, error)
	GetOptOut(ctx context.Context, e164 string) (dynamo.OptOut, bool, error)
	AddOptOut(ctx context.Context, e164, reason string, now time.Time) error
	ClearOptOut(ctx context.Context, e164 string, now time.Time) error
}

// optOutsGroup is the optouts commands with their usage.
func optOutsGroup() Group {
	return Group{
		Name:  "optouts",
		Title: "Opt-outs (numbers that are never contacted: customers and staff; numbers masked in lists)",
		Commands: []Command{
			{Name: "optouts list", Usage: "optouts list [--json]\n", run: (*Tool).optOutsList},
			{Name: "optouts add", Usage: `optouts add --phone NUMBER [--country CC] [--reason TEXT]
           an opt-out received by phone or email: effective at once, for every shop.
`, run: (*Tool).optOutsAdd},
			{Name: "optouts remove", Usage: `optouts remove --phone NUMBER [--country CC] --yes
           the number may be contacted again (only when its owner asked to be, e.g. START).
`, run: (*Tool).optOutsRemove},
			{Name: "optouts check", Usage: `optouts check --phone NUMBER [--country CC] [--json]
           prints {"optedOut": true|false, ...}.
`, run: (*Tool).optOutsCheck},
		},
	}
}

// optOutView is an opt-out as printed: the number masked in lists.
type optOutView struct {
	Phone    string `json:"phone"`
	OptedOut bool   `json:"optedOut"`
	Keyword  string `json:"keyword,omitempty"`
	Reason   string `json:"reason,omitempty"`
	At       string `json:"at,omitempty"`
}

func newOptOutView(o dynamo.OptOut, masked bool) optOutView {
	v := optOutView{Phone: o.Phone, OptedOut: true, Keyword: o.Keyword, Reason: o.Reason}
	if masked {
		v.Phone = phone.Mask(o.Phone)
	}
	if !o.At.IsZero() {
		v.At = o.At.UTC().Format(time.RFC3339)
	}
	return v
}

// optOuts is the table as the optouts commands need it.
func (t *Tool) optOuts() (OptOuts, error) {
	s, ok := t.Store.(OptOuts)
	if !ok {
		return nil, errors.New("this store keeps no opt-outs")
	}
	return s, nil
}

// phoneFlags is an optouts command's flags, with --phone and --country
// (for a national number), which name the number it is about.
type phoneFlags struct {
	*flag.FlagSet
	number, country *string
}

func newPhoneFlags(name string) phoneFlags {
	fs := newFlags(name)
	return phoneFlags{FlagSet: fs, number: fs.String("phone", "", ""), country: fs.String("country", "US", "")}
}

// parse parses args and reads --phone: the number in E.164, with the
// table's opt-outs.
func (p phoneFlags) parse(t *Tool, args []string) (OptOuts, string, error) {
	if err := parse(p.FlagSet, args); err != nil {
		return nil, "", err
	}
	if *p.number == "" {
		return nil, "", fmt.Errorf("%w: --phone is required", ErrUsage)
	}
	e164, err := phone.Normalize(*p.number, *p.country)
	if err != nil {
		return nil, "", fmt.Errorf("--phone: %s (a national number is read with --country, default US)", thankyou.ErrorMessage(err))
	}
	s, err := t.optOuts()
	return s, e164, err
}

func (t *Tool) optOutsList(ctx context.Context, args []string) error {
	fs := newFlags("optouts list")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := t.optOuts()
	if err != nil {
		return err
	}
	list, err := s.ListOptOuts(ctx)
	if err != nil {
		return err
	}
	views := make([]optOutView, 0, len(list))
	for _, o := range list {
		views = append(views, newOptOutView(o, true))
	}
	if *asJSON {
		return writeJSON(t.Out, views)
	}
	if len(views) == 0 {
		fmt.Fprintln(t.Out, "No opted-out numbers.")
		return nil
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHONE\tSINCE\tHOW\tREASON")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.Phone, v.At, v.Keyword, v.Reason)
	}
	return tw.Flush()
}

func (t *Tool) optOutsAdd(ctx context.Context, args []string) error {
	fs := newPhoneFlags("optouts add")
	reason := fs.String("reason", "", "")
	s, e164, err := fs.parse(t, args)
	if err != nil {
		return err
	}
	if err := AddOptOut(ctx, s, e164, *reason, t.Now()); err != nil {
		return err
	}
	fmt.Fprintf(t.Out, "Opted out %s: it is contacted by no shop from now on (customers and staff alike).\n", phone.Mask(e164))
	return nil
}

func (t *Tool) optOutsRemove(ctx context.Context, args []string) error {
	fs := newPhoneFlags("optouts remove")
	yes := fs.Bool("yes", false, "")
	s, e164, err := fs.parse(t, args)
	if err != nil {
		return err
	}
	if !*yes {
		return fmt.Errorf("%w: optouts remove needs --yes: %s may then be contacted again, which only its owner may ask for", ErrUsage, phone.Mask(e164))
	}
	if found, err := RemoveOptOut(ctx, s, e164, t.Now()); err != nil {
		return err
	} else if !found {
		fmt.Fprintf(t.Out, "%s was not opted out: nothing changed.\n", phone.Mask(e164))
		return nil
	}
	fmt.Fprintf(t.Out, "Removed the opt-out of %s: it may be contacted again.\n", phone.Mask(e164))
	return nil
}

func (t *Tool) optOutsCheck(ctx context.Context, args []string) error {
	fs := newPhoneFlags("optouts check")
	asJSON := fs.Bool("json", false, "")
	s, e164, err := fs.parse(t, args)
	if err != nil {
		return err
	}
	o, found, err := s.GetOptOut(ctx, e164)
	if err != nil {
		return err
	}
	// The operator typed the number: it is shown masked all the same.
	v := optOutView{Phone: phone.Mask(e164)}
	if found {
		v = newOptOutView(o, true)
	}
	if *asJSON {
		return writeJSON(t.Out, v)
	}
	if !found {
		fmt.Fprintf(t.Out, "%s is not opted out.\n", v.Phone)
		return nil
	}
	fmt.Fprintf(t.Out, "%s is opted out since %s (%s)", v.Phone, v.At, v.Keyword)
	if v.Reason != "" {
		fmt.Fprintf(t.Out, ": %s", v.Reason)
	}
	fmt.Fprintln(t.Out, ".")
	return nil
}

// AddOptOut records an opt-out an operator received by phone or email
// (e164 normalised): effective at once, for every shop. Both `optouts add`
// and the dashboard add with it.
func AddOptOut(ctx context.Context, s OptOuts, e164, reason string, now time.Time) error {
	if err := s.AddOptOut(ctx, e164, strings.TrimSpace(reason), now); err != nil {
		return fmt.Errorf("add the opt-out of %s: %w", phone.Mask(e164), err)
	}
	return nil
}

// RemoveOptOut removes a number's opt-out; found is false, and nothing
// changes, when it had none. Both `optouts remove` and the dashboard
// remove with it.
func RemoveOptOut(ctx context.Context, s OptOuts, e164 string, now time.Time) (found bool, err error) {
	if _, found, err = s.GetOptOut(ctx, e164); err != nil || !found {
		return found, err
	}
	if err := s.ClearOptOut(ctx, e164, now); err != nil {
		return true, fmt.Errorf("remove the opt-out of %s: %w", phone.Mask(e164), err)
	}
	return true, nil
}
