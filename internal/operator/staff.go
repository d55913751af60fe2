package operator

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// maxStaffID bounds a staff id's length: a slug, not a name.
const maxStaffID = 32

func (t *Tool) staffPut(ctx context.Context, args []string) error {
	fs := newFlags("staff put")
	var (
		src     = fs.String("source", "", "")
		shop    = fs.String("shop", "", "")
		id      = fs.String("id", "", "")
		name    = fs.String("name", "", "")
		number  = fs.String("phone", "", "")
		country = fs.String("country", "US", "")
		zone    = fs.String("time-zone", "", "")
		hours   = fs.String("hours", "09:00-17:00", "")
		days    = fs.String("days", "Mon-Fri", "")
		active  = fs.Bool("active", true, "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	m := thankyou.StaffMember{
		Source: source, ShopID: thankyou.ShopID(source, *shop), ID: strings.ToLower(strings.TrimSpace(*id)),
		Name: strings.TrimSpace(*name), TimeZone: strings.TrimSpace(*zone), Active: *active,
	}
	var problems []string
	if m.ShopID == "" {
		problems = append(problems, "--shop is required: the shop's id as in `thankyou shops list`")
	}
	if !isSlug(m.ID) {
		problems = append(problems, fmt.Sprintf("--id %q: give a short id of lower-case letters, digits and '-', like ana (at most %d characters)", m.ID, maxStaffID))
	}
	if m.Name == "" {
		problems = append(problems, "--name is required (it appears in the reminders the member receives)")
	}
	if m.Phone, err = phone.Normalize(*number, *country); err != nil {
		problems = append(problems, "--phone: "+thankyou.ErrorMessage(err)+" (a national number is read with --country, default US)")
	}
	if m.TimeZone == "" && m.ShopID != "" {
		// The shop's zone, when the shop is stored.
		if sh, err := t.Store.GetShop(ctx, source, m.ShopID); err == nil {
			m.TimeZone = sh.TimeZone
		} else if thankyou.ErrorCode(err) != thankyou.ENOTFOUND {
			return fmt.Errorf("read shop %s:%s for its time zone: %w", source, m.ShopID, err)
		}
	}
	switch _, zerr := time.LoadLocation(m.TimeZone); {
	case m.TimeZone == "":
		problems = append(problems, "--time-zone is required when the shop is not stored: an IANA zone like Europe/Paris")
	case zerr != nil || m.TimeZone == "Local":
		problems = append(problems, fmt.Sprintf("--time-zone %q is not an IANA zone like Europe/Paris", m.TimeZone))
	}
	var clamped bool
	if m.Hours, clamped, err = windowFlags("--hours", "--days", *hours, *days); err != nil {
		problems = append(problems, strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	if clamped {
		t.warnClamped("--hours", *hours, m.Hours)
	}
	if err := t.Store.PutStaff(ctx, m, t.Now()); err != nil {
		return fmt.Errorf("store staff member: %w", err)
	}
	state := "active"
	if !m.Active {
		state = "inactive: takes no calls"
	}
	fmt.Fprintf(t.Out, "Stored staff member %s of shop %s:%s (%s), phone %s, %s %s.\n",
		m.ID, m.Source, m.ShopID, state, phone.Mask(m.Phone), m.Hours, m.TimeZone)
	return nil
}

func (t *Tool) staffList(ctx context.Context, args []string) error {
	fs := newFlags("staff list")
	src, shop := fs.String("source", "", ""), fs.String("shop", "", "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	id := thankyou.ShopID(source, *shop)
	if id == "" {
		return fmt.Errorf("%w: --shop is required: the shop's id as in `thankyou shops list`", ErrUsage)
	}
	list, err := t.Store.ListStaff(ctx, source, id)
	if err != nil {
		return fmt.Errorf("list staff: %w", err)
	}
	views := make([]staffView, 0, len(list))
	for _, m := range list {
		views = append(views, newStaffView(m))
	}
	if *asJSON {
		return writeJSON(t.Out, views)
	}
	if len(views) == 0 {
		fmt.Fprintf(t.Out, "No staff stored for shop %s:%s. Add one with `thankyou staff put --source %s --shop %s --id ana --name Ana --phone NUMBER`.\n", source, id, source, id)
		return nil
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPHONE\tZONE\tHOURS\tACTIVE")
	for _, v := range views {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s %s\t%s\n", v.ID, v.Phone, v.TimeZone, v.Hours, v.Days, yesNo(v.Active))
	}
	fmt.Fprintf(tw, "%d staff\n", len(views))
	return tw.Flush()
}

func (t *Tool) staffDelete(ctx context.Context, args []string) error {
	fs := newFlags("staff delete")
	src, shop, id := fs.String("source", "", ""), fs.String("shop", "", ""), fs.String("id", "", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	sh := thankyou.ShopID(source, *shop)
	if sh == "" || strings.TrimSpace(*id) == "" {
		return fmt.Errorf("%w: staff delete needs --shop and --id", ErrUsage)
	}
	if err := t.Store.DeleteStaff(ctx, source, sh, strings.TrimSpace(*id)); err != nil {
		if thankyou.ErrorCode(err) == thankyou.ENOTFOUND {
			return fmt.Errorf("%s (see `thankyou staff list --source %s --shop %s`)", thankyou.ErrorMessage(err), source, sh)
		}
		return fmt.Errorf("delete staff member: %w", err)
	}
	fmt.Fprintf(t.Out, "Deleted staff member %s of shop %s:%s.\n", strings.TrimSpace(*id), source, sh)
	return nil
}

// isSlug reports whether s is a staff id: lower-case letters, digits and
// '-', starting with a letter or digit.
func isSlug(s string) bool {
	if s == "" || len(s) > maxStaffID || s[0] == '-' {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
			return false
		}
	}
	return true
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// staffView is a staff member as the tool prints it: phone masked, name
// left out (personal data; the id names the member).
type staffView struct {
	Source   string `json:"source"`
	ShopID   string `json:"shopId"`
	ID       string `json:"id"`
	Phone    string `json:"phone"`
	TimeZone string `json:"timeZone"`
	Hours    string `json:"hours"`
	Days     string `json:"days"`
	Active   bool   `json:"active"`
}

func newStaffView(m thankyou.StaffMember) staffView {
	start, end, days := m.Hours.Fields()
	return staffView{
		Source: string(m.Source), ShopID: m.ShopID, ID: m.ID, Phone: phone.Mask(m.Phone), TimeZone: m.TimeZone,
		Hours: start + "-" + end, Days: days, Active: m.Active,
	}
}
