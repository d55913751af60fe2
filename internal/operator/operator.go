// Package operator is the operators' command-line tool (cmd/thankyou): it
// manages shops' settings in the table, shows the thank-you tasks (what is
// coming up, what was sent, why an order was skipped or a send failed, each
// task's history), retries or cancels one, erases a customer's personal data
// and sums up a period, against the local stack or AWS alike (the endpoint
// comes from the AWS SDK's standard configuration, so
// AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:8000 reaches dynalite).
//
// Output is a table for people, or JSON with --json for scripts. Phone
// numbers are masked, and names and emails are never printed.
package operator

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/message"
	"github.com/thankyoucalls/thankyoucalls/internal/phone"
	"github.com/thankyoucalls/thankyoucalls/internal/polite"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Store is what the tool needs of the table.
type Store interface {
	PutShop(ctx context.Context, sh thankyou.Shop, now time.Time) error
	GetShop(ctx context.Context, source thankyou.Source, id string) (thankyou.Shop, error)
	ListShops(ctx context.Context) ([]thankyou.Shop, error)
	DeleteShop(ctx context.Context, source thankyou.Source, id string) error
	ScanTasks(ctx context.Context, q dynamo.TaskQuery, progress func(dynamo.Progress), fn func(thankyou.Task) error) error
	UpcomingTasks(ctx context.Context, from, until time.Time, progress func(dynamo.Progress), fn func(thankyou.Task) error) error
	GetTask(ctx context.Context, id string) (thankyou.Task, error)
	GetTaskHistory(ctx context.Context, id string) (thankyou.Task, []dynamo.TaskEvent, error)
	RetryTask(ctx context.Context, id string, from thankyou.State, due, deadline, now time.Time) (thankyou.Task, error)
	CancelTask(ctx context.Context, o thankyou.Order, reason string, now time.Time) (thankyou.Task, error)
	ClearAttention(ctx context.Context, id string, now time.Time) (thankyou.Task, error)
	CustomerReport(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer) (dynamo.Report, error)
	EraseCustomer(ctx context.Context, source thankyou.Source, shop string, c thankyou.Customer, now time.Time) (int, error)
	PutStaff(ctx context.Context, m thankyou.StaffMember, now time.Time) error
	ListStaff(ctx context.Context, source thankyou.Source, shop string) ([]thankyou.StaffMember, error)
	DeleteStaff(ctx context.Context, source thankyou.Source, shop, id string) error
}

// Tool runs commands.
type Tool struct {
	Store Store
	// Out receives the commands' output: tables, JSON, confirmations.
	Out io.Writer
	// In is where a command that asks for confirmation reads the answer;
	// nil when no one can answer (not a terminal): such a command then
	// needs --yes.
	In io.Reader
	// Progress, if not nil, receives a progress line for long listings
	// (rewritten in place with \r). cmd/thankyou sets it to stderr when
	// stderr is a terminal.
	Progress io.Writer
	Now      func() time.Time
}

// DefaultSecretsPath is the template's default ShopSecretsPath.
const DefaultSecretsPath = "/thankyou/shops/"

// ErrUsage marks a command line the tool could not understand; the caller
// exits with status 2.
var ErrUsage = errors.New("usage")

// Usage is the tool's help text.
const Usage = `Usage: thankyou [--table NAME] COMMAND ...

Shops (a deployment serves several shops; each has its own secret, zone, window and rules):
  shops list [--json]
  shops get --source SOURCE --id ID [--json]
  shops put --source SOURCE --id ID --name NAME --secret-ref REF[,REF...] [settings]
  shops delete --source SOURCE --id ID

  SOURCE is shopify, woocommerce, stripe or generic. ID is the shop as its platform names it:
  the myshopify.com domain, the WooCommerce site's host, the Stripe account (acct_...) or the
  ?shop= key of the webhook URL, the generic X-Shop value.
  REF names where a webhook secret is kept: an SSM SecureString parameter under the stack's
  ShopSecretsPath (--secrets-path, default /thankyou/shops/), or env:NAME for local runs.
  Give two while rotating a secret.

  settings: --time-zone ZONE (America/New_York) --country CC (US) --channel sms|staff|call
            --staff-phone E164 --window HH:MM-HH:MM (10:00-17:00) --days DAYS (Mon-Fri)
            --closed DATES (days nobody is contacted, recipient-local: 2026-12-24,2026-12-31;
              added to public holidays and the law, which a shop cannot loosen)
            --delay DURATION (72h) --expire-after DURATION (72h)
            --min-total AMOUNT --first-order-only --skip-test-orders=true|false
            --skip-tags a,b --countries US,CA --frequency-cap-days N
            --sms-template TEXT --staff-template TEXT (Go text/template, e.g.
              'Hi {{.FirstName}}, thanks for order #{{.OrderNumber}}! - {{.ShopName}}')
            --voice-consent (customers agreed to an automated call; required for --channel call)
            --voice NAME (<Say> voice, e.g. Polly.Joanna) --voice-language LANG (en-US)
            --voice-play-url URL (https recording played instead of <Say>)

Thank-you tasks (phone numbers masked, names and emails never shown):
  tasks list [--source SOURCE [--shop ID]] [--state STATE] [--since DATE] [--until DATE] [--json]
             STATE: pending, sending, reminded, sent, delivered, undelivered, failed,
             called, skipped, opted_out, expired, cancelled; or needs_attention (a customer's
             reply read as a complaint). Skipped and failed tasks show why; REPLIES counts
             the conversation's messages.
             --since/--until select the creation time. (Reads the whole table.)
  tasks list --upcoming [--source SOURCE [--shop ID]] [--since DATE] [--until DATE] [--json]
             pending tasks, the next due first (overdue ones too); --since/--until
             select the due time. (Reads the due index, not the table.)
  tasks show --id TASK_ID [--json]       the task, its conversation (texts, numbers masked)
                                         and its history
  tasks retry --id TASK_ID [--expire-after 72h] [--window HH:MM-HH:MM --days DAYS
             --time-zone ZONE] [--json]
             a failed, expired or undelivered task goes out again at the next polite
             time in its own window and zone (the flags are for tasks that have none).
             A sent or delivered task is never sent again.
  tasks cancel --id TASK_ID [--reason TEXT] [--json]
  tasks resolve --id TASK_ID [--json]    a complaint was dealt with: clears needs_attention

  DATE is a day (2026-11-23, UTC; as --until it includes that whole day) or an RFC 3339
  time (2026-11-23T15:00:00Z; as --until it is excluded).

Customers (privacy):
  customers erase --source SOURCE --shop ID (--phone NUMBER | --email ADDRESS)
                  [--order-ids ID,ID] [--country CC] [--yes] [--json]
             removes the customer's phone, name and email from every task at that shop and
             cancels their open tasks. Asks first unless --yes. Opt-outs are kept.

Staff (who may be asked to call customers; phones masked, names never shown):
  staff put --source SOURCE --shop ID --id SLUG --name NAME --phone NUMBER [--country CC]
            [--time-zone ZONE] [--hours HH:MM-HH:MM (09:00-17:00)] [--days DAYS (Mon-Fri)]
            [--active=true|false]
             the zone defaults to the stored shop's; hours are clamped to 08:00-21:00.
  staff list --source SOURCE --shop ID [--json]
  staff delete --source SOURCE --shop ID --id SLUG
  The dispatcher does not use the roster yet (issue #5): a shop's one staff number is set
  with shops put --channel staff --staff-phone.

` + optOutsUsage + `
Summary:
  summary --since DATE [--until DATE] [--source SOURCE [--shop ID]] [--json]
             for the orders received in the period: thanked, delivered, skipped by reason,
             failed by Twilio code, expired, cancelled, opted out. (Reads the whole table.)

The table is --table or TABLE_NAME; the DynamoDB endpoint and credentials come from the AWS
SDK's standard settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB, ...).
`

// Run runs one command (args without the program name and global flags).
func (t *Tool) Run(ctx context.Context, args []string) error {
	if len(args) > 0 && args[0] == "summary" {
		return t.summary(ctx, args[1:])
	}
	if len(args) < 2 {
		return fmt.Errorf("%w: expected a command such as `shops list`, `tasks list` or `summary --since 2026-11-01`", ErrUsage)
	}
	cmd := map[string]func(context.Context, []string) error{
		"shops list":      t.shopsList,
		"shops get":       t.shopsGet,
		"shops put":       t.shopsPut,
		"shops delete":    t.shopsDelete,
		"tasks list":      t.tasksList,
		"tasks show":      t.tasksShow,
		"tasks retry":     t.tasksRetry,
		"tasks cancel":    t.tasksCancel,
		"tasks resolve":   t.tasksResolve,
		"customers erase": t.customersErase,
		"staff put":       t.staffPut,
		"staff list":      t.staffList,
		"staff delete":    t.staffDelete,
		"optouts list":    t.optOutsList,
		"optouts add":     t.optOutsAdd,
		"optouts remove":  t.optOutsRemove,
		"optouts check":   t.optOutsCheck,
	}[args[0]+" "+args[1]]
	if cmd == nil {
		return fmt.Errorf("%w: unknown command `%s %s`", ErrUsage, args[0], args[1])
	}
	return cmd(ctx, args[2:])
}

func newFlags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUsage, fs.Name(), err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", ErrUsage, fs.Name(), fs.Arg(0))
	}
	return nil
}

func sourceFlag(s string) (thankyou.Source, error) {
	switch src := thankyou.Source(strings.ToLower(strings.TrimSpace(s))); src {
	case thankyou.SourceShopify, thankyou.SourceWooCommerce, thankyou.SourceStripe, thankyou.SourceGeneric:
		return src, nil
	case "":
		return "", fmt.Errorf("%w: --source is required (shopify, woocommerce, stripe or generic)", ErrUsage)
	default:
		return "", fmt.Errorf("--source %q: not one of shopify, woocommerce, stripe, generic", s)
	}
}

func (t *Tool) shopsList(ctx context.Context, args []string) error {
	fs := newFlags("shops list")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	list, err := t.Store.ListShops(ctx)
	if err != nil {
		return fmt.Errorf("list shops: %w", err)
	}
	if *asJSON {
		return writeJSON(t.Out, shopViews(list))
	}
	if len(list) == 0 {
		fmt.Fprintln(t.Out, "No shops stored. Add one with `thankyou shops put --source shopify --id NAME.myshopify.com --name NAME --secret-ref /thankyou/NAME`.")
		return nil
	}
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tID\tNAME\tZONE\tWINDOW\tCHANNEL\tRULES")
	for _, sh := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s-%s %s\t%s\t%s\n", sh.Source, sh.ID, sh.Name, sh.TimeZone, sh.WindowStart, sh.WindowEnd, sh.Days, sh.Channel, rulesSummary(sh.Rules))
	}
	return tw.Flush()
}

func (t *Tool) shopsGet(ctx context.Context, args []string) error {
	fs := newFlags("shops get")
	src, id := fs.String("source", "", ""), fs.String("id", "", "")
	asJSON := fs.Bool("json", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	sh, err := t.Store.GetShop(ctx, source, thankyou.ShopID(source, *id))
	if err != nil {
		return describe(err)
	}
	if *asJSON {
		return writeJSON(t.Out, newShopView(sh))
	}
	v := newShopView(sh)
	tw := tabwriter.NewWriter(t.Out, 0, 0, 2, ' ', 0)
	for _, row := range [][2]string{
		{"source", v.Source}, {"id", v.ID}, {"name", v.Name}, {"secret refs", strings.Join(v.SecretRefs, ", ")},
		{"time zone", v.TimeZone}, {"country", v.DefaultCountry}, {"channel", v.Channel}, {"staff phone", phone.Mask(sh.StaffPhone)},
		{"window", v.Window + " " + v.Days}, {"closed", v.Closed}, {"delay", v.Delay}, {"expire after", v.ExpireAfter}, {"rules", rulesSummary(sh.Rules)},
	} {
		fmt.Fprintf(tw, "%s\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func (t *Tool) shopsPut(ctx context.Context, args []string) error {
	fs := newFlags("shops put")
	var (
		src         = fs.String("source", "", "")
		id          = fs.String("id", "", "")
		name        = fs.String("name", "", "")
		refs        = fs.String("secret-ref", "", "")
		zone        = fs.String("time-zone", "America/New_York", "")
		country     = fs.String("country", "US", "")
		channel     = fs.String("channel", "sms", "")
		staff       = fs.String("staff-phone", "", "")
		window      = fs.String("window", "10:00-17:00", "")
		days        = fs.String("days", "Mon-Fri", "")
		closed      = fs.String("closed", "", "")
		delay       = fs.Duration("delay", 72*time.Hour, "")
		expireAfter = fs.Duration("expire-after", 72*time.Hour, "")
		minTotal    = fs.String("min-total", "", "")
		firstOnly   = fs.Bool("first-order-only", false, "")
		skipTest    = fs.Bool("skip-test-orders", true, "")
		skipTags    = fs.String("skip-tags", "", "")
		countries   = fs.String("countries", "", "")
		capDays     = fs.Int("frequency-cap-days", 0, "")
		secretsPath = fs.String("secrets-path", DefaultSecretsPath, "")
		smsTemplate = fs.String("sms-template", "", "")
		staffTmpl   = fs.String("staff-template", "", "")
		consent     = fs.Bool("voice-consent", false, "")
		voice       = fs.String("voice", "", "")
		voiceLang   = fs.String("voice-language", "en-US", "")
		playURL     = fs.String("voice-play-url", "", "")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	start, end, ok := strings.Cut(*window, "-")
	if !ok {
		return fmt.Errorf("--window %q: write it as HH:MM-HH:MM, e.g. 10:00-17:00", *window)
	}
	sh := thankyou.Shop{
		Source: source, ID: thankyou.ShopID(source, *id), Name: strings.TrimSpace(*name),
		SecretRefs: list(*refs), TimeZone: *zone, DefaultCountry: strings.ToUpper(*country),
		StaffPhone: *staff, WindowStart: start, WindowEnd: end, Days: *days, Closed: *closed, Delay: *delay, ExpireAfter: *expireAfter,
		Rules: thankyou.Rules{
			MinTotal: *minTotal, FirstOrderOnly: *firstOnly, SkipTestOrders: *skipTest,
			SkipTags: list(*skipTags), Countries: upper(list(*countries)), FrequencyCapDays: *capDays,
		},
		SMSTemplate: *smsTemplate, StaffTemplate: *staffTmpl,
		Voice: thankyou.Voice{Consent: *consent, Voice: *voice, Language: *voiceLang, PlayURL: *playURL},
	}
	if sh.Channel, err = thankyou.ParseChannel(*channel); err != nil {
		return describe(err)
	}
	if err := validate(&sh, *secretsPath); err != nil {
		return err
	}
	if err := t.Store.PutShop(ctx, sh, t.Now()); err != nil {
		return fmt.Errorf("store shop: %w", err)
	}
	fmt.Fprintf(t.Out, "Stored shop %s:%s (%s). Register its webhook at /webhooks/%s.\n", sh.Source, sh.ID, sh.Name, sh.Source)
	return nil
}

func (t *Tool) shopsDelete(ctx context.Context, args []string) error {
	fs := newFlags("shops delete")
	src, id := fs.String("source", "", ""), fs.String("id", "", "")
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	if err := t.Store.DeleteShop(ctx, source, thankyou.ShopID(source, *id)); err != nil {
		return describe(err)
	}
	fmt.Fprintf(t.Out, "Deleted shop %s:%s. Its tasks stay until their retention ends.\n", source, *id)
	return nil
}

// validate checks a shop's settings as the order webhook will use them,
// and normalises the staff phone.
func validate(sh *thankyou.Shop, secretsPath string) error {
	var problems []string
	for _, ref := range sh.SecretRefs {
		switch {
		case strings.HasPrefix(ref, "env:"):
		case strings.HasPrefix(ref, "/") && strings.HasPrefix(ref, secretsPath):
		case strings.HasPrefix(ref, "/"):
			problems = append(problems, fmt.Sprintf("--secret-ref %s: SSM parameters of stored shops must be under %s (the stack's ShopSecretsPath), which is all the order webhook may read; or pass --secrets-path", ref, secretsPath))
		default:
			problems = append(problems, fmt.Sprintf("--secret-ref %s: stored shops' secrets are SSM SecureString parameters under %s (or env:NAME locally)", ref, secretsPath))
		}
	}
	if sh.ID == "" {
		problems = append(problems, "--id is required")
	}
	if sh.Name == "" {
		problems = append(problems, "--name is required (it appears in messages)")
	}
	if len(sh.SecretRefs) == 0 {
		problems = append(problems, "--secret-ref is required: where the shop's webhook secret is kept")
	}
	if _, err := time.LoadLocation(sh.TimeZone); err != nil || sh.TimeZone == "" {
		problems = append(problems, fmt.Sprintf("--time-zone %q is not an IANA zone like Europe/Paris", sh.TimeZone))
	}
	if len(sh.DefaultCountry) != 2 {
		problems = append(problems, fmt.Sprintf("--country %q is not a two-letter ISO code", sh.DefaultCountry))
	}
	if _, err := polite.ParseWindow(sh.WindowStart, sh.WindowEnd, sh.Days); err != nil {
		problems = append(problems, "--window/--days: "+thankyou.ErrorMessage(err))
	}
	if dates, err := polite.ParseDates(sh.Closed); err != nil {
		problems = append(problems, "--closed: "+thankyou.ErrorMessage(err))
	} else {
		sh.Closed = polite.FormatDates(dates)
	}
	if sh.Delay <= 0 || sh.ExpireAfter <= 0 {
		problems = append(problems, "--delay and --expire-after must be positive durations like 72h")
	}
	if sh.Channel == thankyou.ChannelStaff || sh.StaffPhone != "" {
		n, err := phone.Normalize(sh.StaffPhone, sh.DefaultCountry)
		if err != nil {
			problems = append(problems, "--staff-phone: "+thankyou.ErrorMessage(err)+" (required for --channel staff)")
		}
		sh.StaffPhone = n
	}
	if sh.Rules.MinTotal != "" && !isAmount(sh.Rules.MinTotal) {
		problems = append(problems, fmt.Sprintf("--min-total %q is not an amount like 25.00", sh.Rules.MinTotal))
	}
	for _, c := range sh.Rules.Countries {
		if len(c) != 2 {
			problems = append(problems, fmt.Sprintf("--countries: %q is not a two-letter ISO code", c))
		}
	}
	if _, err := message.NewRenderer(sh.SMSTemplate, sh.StaffTemplate); err != nil {
		problems = append(problems, "--sms-template/--staff-template: "+thankyou.ErrorMessage(err))
	}
	if err := thankyou.CheckVoice(sh.Channel, sh.Voice); err != nil {
		problems = append(problems, "--channel call/--voice-consent/--voice-play-url: "+thankyou.ErrorMessage(err))
	}
	if sh.Rules.FrequencyCapDays < 0 {
		problems = append(problems, "--frequency-cap-days must be 0 or more")
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}

func isAmount(s string) bool {
	dot := false
	for i, c := range s {
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	return s != ""
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func upper(xs []string) []string {
	for i := range xs {
		xs[i] = strings.ToUpper(xs[i])
	}
	return xs
}

// describe turns store errors into what the operator should do.
func describe(err error) error {
	switch thankyou.ErrorCode(err) {
	case thankyou.ENOTFOUND:
		return fmt.Errorf("%s (see `thankyou shops list`)", thankyou.ErrorMessage(err))
	case thankyou.EINVALID:
		return errors.New(thankyou.ErrorMessage(err))
	}
	return err
}

func rulesSummary(r thankyou.Rules) string {
	var parts []string
	if r.MinTotal != "" {
		parts = append(parts, "min "+r.MinTotal)
	}
	if r.FirstOrderOnly {
		parts = append(parts, "first order only")
	}
	if r.SkipTestOrders {
		parts = append(parts, "skip test orders")
	}
	if len(r.SkipTags) > 0 {
		parts = append(parts, "skip tags "+strings.Join(r.SkipTags, ","))
	}
	if len(r.Countries) > 0 {
		parts = append(parts, "countries "+strings.Join(r.Countries, ","))
	}
	if r.FrequencyCapDays > 0 {
		parts = append(parts, fmt.Sprintf("once per %d days", r.FrequencyCapDays))
	}
	if len(parts) == 0 {
		return "every order"
	}
	return strings.Join(parts, "; ")
}

// shopView is a shop as the tool prints it (durations as text, staff
// phone masked).
type shopView struct {
	Source         string         `json:"source"`
	ID             string         `json:"id"`
	Name           string         `json:"name"`
	SecretRefs     []string       `json:"secretRefs"`
	TimeZone       string         `json:"timeZone"`
	DefaultCountry string         `json:"defaultCountry"`
	Channel        string         `json:"channel"`
	StaffPhone     string         `json:"staffPhone,omitempty"`
	Window         string         `json:"window"`
	Days           string         `json:"days"`
	Closed         string         `json:"closed,omitempty"`
	Delay          string         `json:"delay"`
	ExpireAfter    string         `json:"expireAfter"`
	Rules          thankyou.Rules `json:"rules"`
}

func newShopView(sh thankyou.Shop) shopView {
	return shopView{
		Source: string(sh.Source), ID: sh.ID, Name: sh.Name, SecretRefs: sh.SecretRefs, TimeZone: sh.TimeZone,
		DefaultCountry: sh.DefaultCountry, Channel: string(sh.Channel), StaffPhone: phone.Mask(sh.StaffPhone),
		Window: sh.WindowStart + "-" + sh.WindowEnd, Days: sh.Days, Closed: sh.Closed, Delay: sh.Delay.String(), ExpireAfter: sh.ExpireAfter.String(),
		Rules: sh.Rules,
	}
}

func shopViews(list []thankyou.Shop) []shopView {
	out := make([]shopView, 0, len(list))
	for _, sh := range list {
		out = append(out, newShopView(sh))
	}
	return out
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
