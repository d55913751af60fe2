package operator

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Command is one command of the tool. Its Usage is the only place its
// synopsis, flags and meaning are written: `thankyou help`, `--help` at
// every level and the usage printed after a mistake are all made from it.
// A new command is one more entry in its group's Commands.
type Command struct {
	// Name is the command's words: "tasks list", or "summary".
	Name string
	// Usage is its lines of the help: the synopsis first, then what it
	// does and its flags, indented.
	Usage string
	run   func(*Tool, context.Context, []string) error
}

// Group is the commands about one thing (shops, tasks, ...), helped
// together.
type Group struct {
	// Name is the first word of its commands.
	Name string
	// Title heads the group's section of the help.
	Title string
	// Notes, after the commands, define what several of them share.
	Notes    string
	Commands []Command
}

// Groups lists the tool's commands, in the help's order.
func Groups() []Group {
	return []Group{shopsGroup(), tasksGroup(), customersGroup(), privacyGroup(), staffGroup(), optOutsGroup(), summaryGroup(), effectGroup(), dashboardGroup()}
}

const usageHead = `Usage: thankyou [--table NAME] COMMAND [FLAGS]
       thankyou help [COMMAND]        this help, or one command's
       thankyou --version

Flags may come before or after the command. Every command takes --help.
`

const usageTail = `The table is --table or TABLE_NAME; the DynamoDB endpoint and credentials come from the AWS
SDK's standard settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, ...). Exit status:
0 done, 1 the command failed, 2 the command line was not understood.
`

// Usage is the whole help text.
func Usage() string {
	var b strings.Builder
	b.WriteString(usageHead)
	for _, g := range Groups() {
		b.WriteString("\n")
		writeGroup(&b, g)
	}
	b.WriteString("\n" + usageTail)
	return b.String()
}

func writeGroup(b *strings.Builder, g Group) {
	b.WriteString(g.Title + ":\n")
	for _, c := range g.Commands {
		b.WriteString(indent(c.Usage))
	}
	if g.Notes != "" {
		b.WriteString("\n" + indent(g.Notes))
	}
}

// indent puts two spaces before each line of s (ending it with a newline).
func indent(s string) string {
	var b strings.Builder
	for line := range strings.Lines(strings.TrimRight(s, "\n") + "\n") {
		if strings.TrimSpace(line) == "" {
			b.WriteString("\n")
			continue
		}
		b.WriteString("  " + line)
	}
	return b.String()
}

// Help is the help of a topic: nothing for the whole tool, a group's name
// ("tasks") or a command's words ("tasks list"). An unknown topic is an
// error.
func Help(topic ...string) (string, error) {
	g, c, err := find(topic)
	switch {
	case err != nil:
		return "", err
	case g == nil:
		return Usage(), nil
	case c == nil:
		var b strings.Builder
		fmt.Fprintf(&b, "Usage: thankyou %s COMMAND [FLAGS]\n\n", g.Name)
		writeGroup(&b, *g)
		return b.String(), nil
	}
	var b strings.Builder
	b.WriteString("Usage:\n" + indent(c.Usage))
	if g.Notes != "" {
		b.WriteString("\n" + indent(g.Notes))
	}
	return b.String(), nil
}

// find looks up a group and one of its commands by their words (both nil
// for no words).
func find(words []string) (*Group, *Command, error) {
	if len(words) == 0 {
		return nil, nil, nil
	}
	groups := Groups()
	i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == words[0] })
	if i < 0 {
		return nil, nil, &UsageError{Err: fmt.Errorf("unknown command %q", strings.Join(words, " "))}
	}
	g := &groups[i]
	if len(g.Commands) == 1 && g.Commands[0].Name == g.Name {
		if len(words) > 1 {
			return g, nil, &UsageError{Topic: g.Name, Err: fmt.Errorf("unknown command %q", strings.Join(words, " "))}
		}
		return g, &g.Commands[0], nil
	}
	if len(words) == 1 {
		return g, nil, nil
	}
	name := words[0] + " " + words[1]
	j := slices.IndexFunc(g.Commands, func(c Command) bool { return c.Name == name })
	if j < 0 || len(words) > 2 {
		return g, nil, &UsageError{Topic: g.Name, Err: fmt.Errorf("unknown command %q", strings.Join(words, " "))}
	}
	return g, &g.Commands[j], nil
}

// UsageError is a command line the tool did not understand. Topic is the
// command or group whose usage should be shown ("" for the whole tool);
// errors.Is(err, ErrUsage) holds.
type UsageError struct {
	Topic string
	Err   error
}

func (e *UsageError) Error() string { return e.Err.Error() }

// Is makes every UsageError an ErrUsage.
func (e *UsageError) Is(target error) bool { return target == ErrUsage }

func (e *UsageError) Unwrap() error { return e.Err }

// Line is a command line split into its parts.
type Line struct {
	// Help asks for the help of Topic (--help, -h or `help`).
	Help bool
	// Version asks for the tool's version.
	Version bool
	// Topic is the command's words, or the group's name.
	Topic []string
	// Table is --table's value, if given.
	Table    string
	TableSet bool
	// Args are the command's own flags, wherever they were written.
	Args []string
}

// ParseLine splits a command line (without the program's name): the global
// flags (--table, --version, --help) and the command's words wherever they
// are, and the command's flags. It does not check the command's flags.
func ParseLine(args []string) (Line, error) {
	var l Line
	groups := Groups()
	isGroup := func(s string) bool {
		return slices.ContainsFunc(groups, func(g Group) bool { return g.Name == s })
	}
	var words []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "--":
			l.Args = append(l.Args, args[i:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && name == "table":
			if !hasValue {
				if i+1 >= len(args) {
					return l, &UsageError{Err: errors.New("--table needs a table name")}
				}
				i++
				value = args[i]
			}
			l.Table, l.TableSet = value, true
		case strings.HasPrefix(a, "-") && (name == "version") && !hasValue:
			l.Version = true
		case strings.HasPrefix(a, "-") && (name == "help" || name == "h") && !hasValue:
			l.Help = true
		case strings.HasPrefix(a, "-"):
			l.Args = append(l.Args, a)
		case len(words) == 0 && a == "help" && !l.Help:
			l.Help = true
			words = append(words, "help")
		case len(words) == 0 && !isGroup(a) && len(l.Args) > 0 && !strings.Contains(l.Args[len(l.Args)-1], "="):
			// The value of a flag written before the command.
			l.Args = append(l.Args, a)
		case len(words) == 0, words[0] == "help", len(words) == 1 && isGroup(words[0]) && !singleCommand(groups, words[0]):
			words = append(words, a)
		default:
			l.Args = append(l.Args, a)
		}
	}
	if len(words) > 0 && words[0] == "help" {
		words = words[1:]
	}
	l.Topic = words
	return l, nil
}

func singleCommand(groups []Group, name string) bool {
	i := slices.IndexFunc(groups, func(g Group) bool { return g.Name == name })
	return i >= 0 && len(groups[i].Commands) == 1 && groups[i].Commands[0].Name == name
}

// Run runs a command line's command (ParseLine's Topic and Args). A line
// the tool does not understand is a *UsageError naming the usage to show.
func (t *Tool) Run(ctx context.Context, args []string) error {
	l, err := ParseLine(args)
	if err != nil {
		return err
	}
	if l.Help {
		h, err := Help(l.Topic...)
		if err != nil {
			return err
		}
		_, err = io.WriteString(t.Out, h)
		return err
	}
	return t.RunCommand(ctx, l.Topic, l.Args)
}

// RunCommand runs the command named by words with its flags.
func (t *Tool) RunCommand(ctx context.Context, words, args []string) error {
	g, c, err := find(words)
	switch {
	case err != nil:
		return err
	case g == nil:
		return &UsageError{Err: errors.New("expected a command such as `shops list`, `tasks list` or `summary --since 2026-11-01`")}
	case c == nil:
		return &UsageError{Topic: g.Name, Err: fmt.Errorf("%s: expected one of %s", g.Name, commandNames(*g))}
	}
	err = c.run(t, ctx, args)
	var ue *UsageError
	if errors.As(err, &ue) {
		return err
	}
	if errors.Is(err, ErrUsage) {
		return &UsageError{Topic: c.Name, Err: errors.New(strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))}
	}
	return err
}

func commandNames(g Group) string {
	var names []string
	for _, c := range g.Commands {
		names = append(names, "`"+c.Name+"`")
	}
	return strings.Join(names, ", ")
}

func shopsGroup() Group {
	return Group{
		Name:  "shops",
		Title: "Shops (a deployment serves several shops; each has its own secret, zone, window and rules)",
		Commands: []Command{
			{Name: "shops list", Usage: "shops list [--json]\n", run: (*Tool).shopsList},
			{Name: "shops get", Usage: "shops get --source SOURCE --id ID [--json]\n", run: (*Tool).shopsGet},
			{Name: "shops put", Usage: `shops put --source SOURCE --id ID [--name NAME] [--secret-ref REF[,REF...]] [settings]
           stores a new shop (--name and --secret-ref required; the settings not given take
           the defaults shown), or changes only the settings given of a stored one.
`, run: (*Tool).shopsPut},
			{Name: "shops delete", Usage: "shops delete --source SOURCE --id ID\n", run: (*Tool).shopsDelete},
		},
		Notes: `SOURCE is shopify, woocommerce, stripe or generic. ID is the shop as its platform names it:
the myshopify.com domain, the WooCommerce site's host, the Stripe account (acct_...) or the
?shop= key of the webhook URL, the generic X-Shop value.
REF names where a webhook secret is kept: an SSM SecureString parameter under the stack's
ShopSecretsPath (--secrets-path, default /thankyou/shops/), or env:NAME for local runs.
Give two while rotating a secret.

settings: --time-zone ZONE (America/New_York) --country CC (US) --channel sms|staff|call
          --staff-phone E164 --window HH:MM-HH:MM (10:00-17:00; clamped to 08:00-21:00)
          --days DAYS (Mon-Fri) --delay DURATION (72h) --expire-after DURATION (72h)
          --staff-hours HH:MM-HH:MM --staff-days DAYS (Mon-Fri): when the staff phone may be
            texted, in the shop's zone (empty --staff-hours: the deployment's STAFF_HOURS)
          --closed DATES (days nobody is contacted, recipient-local: 2026-12-24,2026-12-31;
            added to public holidays and the law, which a shop cannot loosen)
          --min-total AMOUNT --first-order-only[=false] --skip-test-orders=true|false (true)
          --skip-tags a,b --countries US,CA --frequency-cap-days N (0: none)
          --sms-template TEXT --staff-template TEXT (Go text/template, e.g.
            'Hi {{.FirstName}}, thanks for order #{{.OrderNumber}}! - {{.ShopName}}')
          --voice-consent[=false] (customers agreed to an automated call; required for --channel call)
          --voice NAME (<Say> voice, e.g. Polly.Joanna) --voice-language LANG (en-US)
          --voice-play-url URL (https recording played instead of <Say>)
          --holdout PERCENT (0) new customers held out of every thank-you, to measure
            their effect (see effect); a returning customer keeps their group
          --trigger order|fulfilment|delivery (order: what --delay counts from)
          --max-wait DURATION (720h: how long a task waits for its fulfilment or delivery)
          --language LANG (en, es, fr, de, pt, ja; empty: the deployment's DEFAULT_LANGUAGE)
          --sms-template-LANG TEXT --staff-template-LANG TEXT (the shop's own text in one
            language, e.g. --sms-template-es; any template flag takes @FILE to read a file)
          An empty value (--skip-tags "") clears a list or a text.
`,
	}
}

func tasksGroup() Group {
	return Group{
		Name:  "tasks",
		Title: "Thank-you tasks (phone numbers masked, names and emails never shown)",
		Commands: []Command{
			{Name: "tasks list", Usage: `tasks list [--source SOURCE [--shop ID]] [--state STATE] [--since DATE] [--until DATE] [--json]
           every task, the oldest first; --since/--until select when the order was received
           (the task's creation). Skipped and failed tasks show why. (Reads the whole table.)
tasks list --upcoming [--source SOURCE [--shop ID]] [--since DATE] [--until DATE] [--json]
           pending tasks, the next due first (overdue ones too); --since/--until select the
           due time. (Reads the due index, not the table.)
`, run: (*Tool).tasksList},
			{Name: "tasks show", Usage: "tasks show --id TASK_ID [--json]       the task, its conversation (texts, numbers masked) and its history\n", run: (*Tool).tasksShow},
			{Name: "tasks retry", Usage: `tasks retry --id TASK_ID [--expire-after 72h] [--window HH:MM-HH:MM --days DAYS
           --time-zone ZONE] [--json]
           a failed, expired or undelivered task goes out again at the next polite time in
           its own window and zone (the flags are for tasks that have none). A sent or
           delivered task is never sent again.
`, run: (*Tool).tasksRetry},
			{Name: "tasks cancel", Usage: "tasks cancel --id TASK_ID [--reason TEXT] [--json]\n", run: (*Tool).tasksCancel},
			{Name: "tasks resolve", Usage: "tasks resolve --id TASK_ID [--json]    a complaint was dealt with: clears needs_attention\n", run: (*Tool).tasksResolve},
		},
		Notes: wrap("STATE is one of "+stateNames()+"; or "+thankyou.NeedsAttention, 96) + `
(a customer's reply read as a complaint, whatever the state). REPLIES counts the conversation.
DATE is a day (2026-11-23, UTC; as --until it includes that whole day) or an RFC 3339 time
(2026-11-23T15:00:00Z; as --until it is excluded). With --json, times are RFC 3339 (UTC).
`,
	}
}

func customersGroup() Group {
	return Group{
		Name:  "customers",
		Title: "Customers (privacy)",
		Commands: []Command{
			{Name: "customers erase", Usage: `customers erase --source SOURCE --shop ID (--phone NUMBER | --email ADDRESS)
                [--order-ids ID,ID] [--country CC] [--yes] [--json]
           removes the customer's phone, name and email from every task at that shop and
           cancels their open tasks. Asks first unless --yes. Opt-outs are kept.
`, run: (*Tool).customersErase},
		},
	}
}

func staffGroup() Group {
	return Group{
		Name:  "staff",
		Title: "Staff (who is asked to call customers; phones masked, names never shown)",
		Commands: []Command{
			{Name: "staff put", Usage: `staff put --source SOURCE --shop ID --id SLUG --name NAME --phone NUMBER [--country CC]
          [--time-zone ZONE] [--hours HH:MM-HH:MM (09:00-17:00)] [--days DAYS (Mon-Fri)]
          [--active=true|false]
           the zone defaults to the stored shop's; hours are clamped to 08:00-21:00 (a
           warning says so).
`, run: (*Tool).staffPut},
			{Name: "staff list", Usage: "staff list --source SOURCE --shop ID [--json]\n", run: (*Tool).staffList},
			{Name: "staff delete", Usage: "staff delete --source SOURCE --shop ID --id SLUG\n", run: (*Tool).staffDelete},
		},
		Notes: `A shop with --channel staff has each thank-you call reminded to the active member on duty
with the fewest open calls, in their own hours and zone; with no roster, to the shop's
--staff-phone.
`,
	}
}

func effectGroup() Group {
	return Group{
		Name:  "effect",
		Title: "Effect (what the thank-yous do: repeat purchases of thanked and held-out customers)",
		Commands: []Command{
			{Name: "effect", Usage: `effect --source SOURCE --shop ID --since DATE [--until DATE] [--within 90d] [--json]
       [--plot FILE.svg]
           for the customers whose first thanked or held-out order was placed in the period
           and whose window (--within days after it) has passed: per group, the customers,
           those who ordered again, the repeat rate, orders and revenue per customer; each
           channel against its held-out customers with 95% intervals and a verdict. --plot
           writes the cumulative repeat rate by day as an SVG. (Reads the shop's links.)
`, run: (*Tool).effect},
		},
	}
}

func summaryGroup() Group {
	return Group{
		Name:  "summary",
		Title: "Summary",
		Commands: []Command{
			{Name: "summary", Usage: `summary --since DATE [--until DATE] [--source SOURCE [--shop ID]] [--json]
           for the orders received in the period: thanked, delivered, skipped by reason,
           failed by Twilio code, expired, cancelled, opted out. (Reads the whole table.)
`, run: (*Tool).summary},
		},
	}
}

func dashboardGroup() Group {
	return Group{
		Name:  "dashboard",
		Title: "Dashboard (the same, in a browser: today, upcoming, staff calls, tasks, opt-outs)",
		Commands: []Command{
			{Name: "dashboard", Usage: `dashboard [--addr 127.0.0.1:0] [--open]
           serves the dashboard on this machine only (a loopback address; any other is
           refused) and prints its address, which holds a random key; --open shows it in
           the browser (xdg-open). Ctrl-C stops. Every change is a form with a CSRF token.
`, run: (*Tool).dashboard},
		},
	}
}
