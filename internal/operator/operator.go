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
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/dynamo"
	"github.com/thankyoucalls/thankyoucalls/internal/effect"
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
	PrivacyRequests(ctx context.Context, pendingOnly bool) ([]dynamo.PrivacyRequest, error)
	EffectLinks(ctx context.Context, shop string) ([]effect.Link, error)
}

// Tool runs commands.
type Tool struct {
	Store Store
	// Out receives the commands' output: tables, JSON, confirmations.
	Out io.Writer
	// Err receives warnings, such as a window clamped to the legal hours
	// (nil: Out).
	Err io.Writer
	// In is where a command that asks for confirmation reads the answer;
	// nil when no one can answer (not a terminal): such a command then
	// needs --yes.
	In io.Reader
	// Progress, if not nil, receives a progress line for long listings
	// (rewritten in place with \r). cmd/thankyou sets it to stderr when
	// stderr is a terminal.
	Progress io.Writer
	Now      func() time.Time
	// Dashboard serves the dashboard on addr (loopback only) until ctx
	// ends, and opens it in a browser when open is set; cmd/thankyou sets
	// it (package dashboard). Nil: the command is not available.
	Dashboard func(ctx context.Context, addr string, open bool) error
}

// DefaultSecretsPath is the template's default ShopSecretsPath.
const DefaultSecretsPath = "/thankyou/shops/"

// ErrUsage marks a command line the tool could not understand; the caller
// exits with status 2.
var ErrUsage = errors.New("usage")

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
		return "", fmt.Errorf("%w: --source %q: not one of shopify, woocommerce, stripe, generic", ErrUsage, s)
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
		if !sh.ErasedAt.IsZero() {
			// Erased on its request: only its secret references are left
			// (see `thankyou privacy list`).
			fmt.Fprintf(tw, "%s\t%s\t(erased %s)\t\t\t\t\n", sh.Source, sh.ID, sh.ErasedAt.UTC().Format(time.DateOnly))
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", sh.Source, sh.ID, sh.Name, sh.TimeZone, sh.Window, sh.Channel, rulesSummary(sh.Rules))
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
		{"window", v.Window + " " + v.Days}, {"closed", v.Closed}, {"delay", v.Delay}, {"expire after", v.ExpireAfter}, {"rules", rulesSummary(sh.Rules)}, {"holdout", v.Holdout},
		{"trigger", v.Trigger + triggerWait(v)}, {"language", orDash(v.Language)}, {"own templates", orDash(strings.Join(v.TemplateLanguages, ", "))},
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
		staffHours  = fs.String("staff-hours", "", "")
		staffDays   = fs.String("staff-days", "Mon-Fri", "")
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
		holdout     = fs.String("holdout", "0", "")
		trigger     = fs.String("trigger", "order", "")
		maxWait     = fs.Duration("max-wait", thankyou.DefaultMaxWait, "")
		lang        = fs.String("language", "", "")
		byLanguage  = languageTemplateFlags(fs)
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	source, err := sourceFlag(*src)
	if err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })

	// A stored shop keeps every setting not given; a new one takes the
	// defaults.
	shopID := thankyou.ShopID(source, *id)
	sh, err := t.Store.GetShop(ctx, source, shopID)
	stored := err == nil
	switch {
	case shopID == "":
		return fmt.Errorf("%w: --id is required", ErrUsage)
	case err != nil && thankyou.ErrorCode(err) != thankyou.ENOTFOUND:
		return fmt.Errorf("read shop %s:%s: %w", source, shopID, err)
	case !stored:
		for _, f := range []string{"source", "id", "name", "secret-ref", "time-zone", "country", "channel", "window", "days",
			"delay", "expire-after", "skip-test-orders", "voice-language", "trigger", "max-wait"} {
			given[f] = true
		}
		sh = thankyou.Shop{Source: source, ID: shopID}
	}
	set := func(flag string, apply func()) {
		if given[flag] {
			apply()
		}
	}
	set("name", func() { sh.Name = strings.TrimSpace(*name) })
	set("secret-ref", func() { sh.SecretRefs = list(*refs) })
	set("time-zone", func() { sh.TimeZone = *zone })
	set("country", func() { sh.DefaultCountry = strings.ToUpper(*country) })
	set("staff-phone", func() { sh.StaffPhone = *staff })
	windowClamped := false
	if given["window"] || given["days"] {
		start, end, wdays := sh.Window.Fields()
		hours := start + "-" + end
		if given["window"] {
			hours = *window
		}
		if given["days"] {
			wdays = *days
		}
		if sh.Window, windowClamped, err = windowFlags("--window", "--days", hours, wdays); err != nil {
			return err
		}
	}
	set("closed", func() { sh.Closed = *closed })
	set("delay", func() { sh.Delay = *delay })
	set("expire-after", func() { sh.ExpireAfter = *expireAfter })
	if given["min-total"] {
		m, err := minTotalFlag(*minTotal)
		if err != nil {
			return err
		}
		sh.Rules.MinTotal = m
	}
	set("first-order-only", func() { sh.Rules.FirstOrderOnly = *firstOnly })
	set("skip-test-orders", func() { sh.Rules.SkipTestOrders = *skipTest })
	set("skip-tags", func() { sh.Rules.SkipTags = list(*skipTags) })
	set("countries", func() { sh.Rules.Countries = upper(list(*countries)) })
	set("frequency-cap-days", func() { sh.Rules.FrequencyCapDays = *capDays })
	set("voice-consent", func() { sh.Voice.Consent = *consent })
	set("voice", func() { sh.Voice.Voice = *voice })
	set("voice-language", func() { sh.Voice.Language = *voiceLang })
	set("voice-play-url", func() { sh.Voice.PlayURL = *playURL })
	if given["channel"] {
		if sh.Channel, err = thankyou.ParseChannel(*channel); err != nil {
			return fmt.Errorf("%w: %s", ErrUsage, thankyou.ErrorMessage(err))
		}
	}
	switch {
	case given["staff-hours"] && strings.TrimSpace(*staffHours) == "":
		sh.StaffHours = thankyou.Window{} // back to the deployment's STAFF_HOURS
	case given["staff-hours"] || given["staff-days"]:
		hours := strings.TrimSpace(*staffHours)
		if hours == "" && !sh.StaffHours.IsZero() {
			start, end, _ := sh.StaffHours.Fields()
			hours = start + "-" + end
		}
		if hours == "" {
			return fmt.Errorf("%w: --staff-days needs --staff-hours (e.g. --staff-hours 09:00-17:00)", ErrUsage)
		}
		if sh.StaffHours, _, err = windowFlags("--staff-hours", "--staff-days", hours, *staffDays); err != nil {
			return fmt.Errorf("%w (write them as 09:00-17:00 and Mon-Fri)", err)
		}
	}
	if given["trigger"] {
		if sh.Trigger, err = thankyou.ParseTrigger(*trigger); err != nil {
			return fmt.Errorf("%w: %s", ErrUsage, thankyou.ErrorMessage(err))
		}
	}
	set("max-wait", func() { sh.MaxWait = *maxWait })
	if sh.Trigger.Waits() && sh.MaxWait == 0 {
		sh.MaxWait = thankyou.DefaultMaxWait // a shop stored before it had one
	}
	set("language", func() { sh.Language = strings.TrimSpace(*lang) })
	if given["sms-template"] {
		if sh.SMSTemplate, err = templateText("sms-template", *smsTemplate); err != nil {
			return err
		}
	}
	if given["staff-template"] {
		if sh.StaffTemplate, err = templateText("staff-template", *staffTmpl); err != nil {
			return err
		}
	}
	if err := byLanguage.read(&sh, given); err != nil {
		return err
	}
	if err := t.applyHoldout(ctx, &sh, given["holdout"], *holdout); err != nil {
		return err
	}
	if err := validate(&sh, *secretsPath); err != nil {
		return err
	}
	if windowClamped {
		t.warnClamped("--window", *window, sh.Window)
	}
	if err := t.Store.PutShop(ctx, sh, t.Now()); err != nil {
		return fmt.Errorf("store shop: %w", err)
	}
	if sh.Trigger.Waits() {
		fmt.Fprintf(t.Out, "Its thank-yous wait for the order's %s: send its fulfilments and deliveries too (see docs/triggers-and-languages.md).\n", sh.Trigger)
	}
	if stored {
		var changed []string
		for _, f := range slices.Sorted(maps.Keys(given)) {
			if f != "source" && f != "id" && f != "secrets-path" {
				changed = append(changed, "--"+f)
			}
		}
		fmt.Fprintf(t.Out, "Updated shop %s:%s (%s): %s changed, every other setting kept. Window %s.\n",
			sh.Source, sh.ID, sh.Name, orDash(strings.Join(changed, " ")), sh.Window)
		return nil
	}
	fmt.Fprintf(t.Out, "Stored shop %s:%s (%s), window %s. Register its webhook at /webhooks/%s.\n",
		sh.Source, sh.ID, sh.Name, sh.Window, sh.Source)
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
	if sh.Window.IsZero() {
		problems = append(problems, "--window/--days: the shop has no send window")
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
	if _, err := minTotalFlag(sh.Rules.MinTotal); err != nil {
		// A minimum stored before amounts had one form: fix it with the flag.
		problems = append(problems, strings.TrimPrefix(err.Error(), ErrUsage.Error()+": "))
	}
	for _, c := range sh.Rules.Countries {
		if len(c) != 2 {
			problems = append(problems, fmt.Sprintf("--countries: %q is not a two-letter ISO code", c))
		}
	}
	if _, err := message.NewRenderer(sh.SMSTemplate, sh.StaffTemplate); err != nil {
		problems = append(problems, "--sms-template/--staff-template: "+thankyou.ErrorMessage(err))
	}
	problems = append(problems, checkLanguages(sh)...)
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

// minTotalFlag reads --min-total: empty for no minimum, else an amount in
// thankyou.ParseAmount's form (a usage error otherwise), as it is stored.
func minTotalFlag(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	a, err := thankyou.ParseAmount(s)
	if err != nil {
		return "", fmt.Errorf("%w: --min-total: %s", ErrUsage, thankyou.ErrorMessage(err))
	}
	return a.String(), nil
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
	StaffHours     string         `json:"staffHours,omitempty"`
	Window         string         `json:"window"`
	Days           string         `json:"days"`
	Closed         string         `json:"closed,omitempty"`
	Delay          string         `json:"delay"`
	ExpireAfter    string         `json:"expireAfter"`
	Rules          thankyou.Rules `json:"rules"`
	Holdout        string         `json:"holdout"`
	// Trigger is what the delay counts from, MaxWait how long a task waits
	// for it; Language the shop's; TemplateLanguages those it has its own
	// texts for.
	Trigger           string   `json:"trigger"`
	MaxWait           string   `json:"maxWait,omitempty"`
	Language          string   `json:"language,omitempty"`
	TemplateLanguages []string `json:"templateLanguages,omitempty"`
}

// triggerWait says how long a waiting trigger waits: " (at most 720h0m0s)".
func triggerWait(v shopView) string {
	if v.MaxWait == "" {
		return ""
	}
	return " (at most " + v.MaxWait + ")"
}

func newShopView(sh thankyou.Shop) shopView {
	trigger := sh.Trigger
	if trigger == "" {
		trigger = thankyou.TriggerOrder
	}
	maxWait := ""
	if trigger.Waits() && sh.MaxWait > 0 {
		maxWait = sh.MaxWait.String()
	}
	windowStart, windowEnd, windowDays := sh.Window.Fields()
	return shopView{
		Trigger: string(trigger), MaxWait: maxWait, Language: sh.Language, TemplateLanguages: templateLanguages(sh),
		Source: string(sh.Source), ID: sh.ID, Name: sh.Name, SecretRefs: sh.SecretRefs, TimeZone: sh.TimeZone,
		DefaultCountry: sh.DefaultCountry, Channel: string(sh.Channel), StaffPhone: phone.Mask(sh.StaffPhone), StaffHours: sh.StaffHours.String(),
		Window: windowStart + "-" + windowEnd, Days: windowDays, Closed: sh.Closed, Delay: sh.Delay.String(), ExpireAfter: sh.ExpireAfter.String(),
		Rules: sh.Rules, Holdout: sh.Holdout.String(),
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

func (t *Tool) dashboard(ctx context.Context, args []string) error {
	fs := newFlags("dashboard")
	addr := fs.String("addr", "127.0.0.1:0", "")
	open := fs.Bool("open", false, "")
	if err := parse(fs, args); err != nil {
		return err
	}
	if t.Dashboard == nil {
		return errors.New("this build of the tool has no dashboard")
	}
	return t.Dashboard(ctx, *addr, *open)
}
