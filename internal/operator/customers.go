package operator

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// eraseView is what customers erase prints with --json.
type eraseView struct {
	Source     string `json:"source"`
	Shop       string `json:"shop"`
	TasksFound int    `json:"tasksFound"`
	Erased     int    `json:"erased"`
}

func (t *Tool) customersErase(ctx context.Context, args []string) error {
	fs := newFlags("customers erase")
	var (
		src      = fs.String("source", "", "")
		shop     = fs.String("shop", "", "")
		rawPhone = fs.String("phone", "", "")
		email    = fs.String("email", "", "")
		orderIDs = fs.String("order-ids", "", "")
		country  = fs.String("country", "US", "")
		yes      = fs.Bool("yes", false, "")
		asJSON   = fs.Bool("json", false, "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, shopID, err := shopFlag(*src, *shop, ": the shop whose customer it is (see `thankyou shops list`)")
	if err != nil {
		return err
	}
	var c thankyou.Customer
	who := ""
	if p := strings.TrimSpace(*rawPhone); p != "" {
		n, err := phone.Normalize(p, strings.ToUpper(*country))
		if err != nil {
			return fmt.Errorf("--phone: %s; write it in E.164 like +12125550123, or pass --country for a national number", thankyou.ErrorMessage(err))
		}
		c.Phones = []string{n}
		who = "phone " + phone.Mask(n)
	}
	if e := strings.TrimSpace(*email); e != "" {
		if !strings.Contains(e, "@") {
			return fmt.Errorf("--email: %q is not an email address", e)
		}
		c.Emails = []string{e}
		who = strings.TrimPrefix(who+" and the email given", " and ")
	}
	c.OrderIDs = list(*orderIDs)
	if len(c.Phones) == 0 && len(c.Emails) == 0 && len(c.OrderIDs) == 0 {
		return fmt.Errorf("%w: give the customer's --phone or --email (and --order-ids to find orders recorded under another identity)", ErrUsage)
	}
	if who == "" {
		who = "the orders given"
	}
	scope := string(source) + ":" + shopID

	report, err := t.Store.CustomerReport(ctx, source, shopID, c)
	if err != nil {
		return fmt.Errorf("find the customer's tasks: %w", err)
	}
	found := len(report.Tasks)
	if !*yes {
		prompt := fmt.Sprintf("Erase the personal data (phone, name, email) of the customer with %s from %s at %s? Their open tasks are cancelled; this cannot be undone. [y/N] ",
			who, plural(found, "task", "tasks"), scope)
		ok, err := t.confirm(prompt)
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(t.Out, "Nothing erased.")
			return nil
		}
	}
	erased, err := t.Store.EraseCustomer(ctx, source, shopID, c, t.Now())
	if err != nil {
		return fmt.Errorf("erase customer at %s (%d tasks erased before the error; running it again is safe): %w", scope, erased, err)
	}
	if *asJSON {
		return writeJSON(t.Out, eraseView{Source: string(source), Shop: shopID, TasksFound: found, Erased: erased})
	}
	fmt.Fprintf(t.Out, "Erased the customer's personal data from %s at %s (%d found; any others held none by now). Opt-outs are kept: a number that said STOP stays suppressed.\n",
		plural(erased, "task", "tasks"), scope, found)
	if found == 0 {
		fmt.Fprintln(t.Out, "No tasks were found by that identity. Tasks recorded under the customer's other identity (phone or email) are found with it, or with --order-ids.")
	}
	return nil
}

// confirm asks a yes/no question on Out and reads the answer from In. With
// no In, or nothing to read, it cannot ask: the error says to pass --yes.
func (t *Tool) confirm(prompt string) (bool, error) {
	cannot := errors.New("this asks for confirmation, and no one can answer here (input is not a terminal): pass --yes to go ahead without asking")
	if t.In == nil {
		return false, cannot
	}
	fmt.Fprint(t.Out, prompt)
	answer, err := bufio.NewReader(t.In).ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || answer == "") {
		fmt.Fprintln(t.Out)
		return false, cannot
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}
