// Package config reads each function's configuration from its environment.
//
// Logging is configured by Lambda itself (AWS_LAMBDA_LOG_FORMAT and
// AWS_LAMBDA_LOG_LEVEL, from the template's LoggingConfig), which
// lambdacontext.NewLogger reads; it is not declared here.
//
// Every variable is declared once in Vars, with the functions that read it
// and its default; the loaders read nothing else. template.yaml's test uses
// Vars to check that every variable a function reads is set for it.
package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/language"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// Function names: the folder names under functions/.
const (
	OrderWebhook  = "order-webhook"
	Dispatcher    = "dispatcher"
	TwilioWebhook = "twilio-webhook"
)

// Var describes one environment variable.
type Var struct {
	Name string
	// Functions lists the functions that read it.
	Functions []string
	// Default applies when the variable is unset or empty.
	Default string
	// Secret marks values that must never be logged. A secret NAME may also
	// be given as NAME_PARAM: the name of an SSM SecureString parameter or a
	// Secrets Manager secret ARN holding it.
	Secret bool
	// Optional secrets may be left unset (that source is then off). A
	// *_PARAM naming an SSM parameter that does not exist also turns it off.
	Optional bool
	Doc      string
}

var all = []string{OrderWebhook, Dispatcher, TwilioWebhook}

// Routes lists the HTTP API routes each HTTP function serves, as API Gateway
// route keys. The handlers route on these; template.yaml's test checks them.
var Routes = map[string][]string{
	OrderWebhook:  {RouteOrderWebhook},
	TwilioWebhook: {RouteTwilioStatus, RouteTwilioInbound, RouteTwilioCallStatus, RouteTwilioVoice, RouteTwilioBridge, RouteTwilioDial},
}

// StatusCallbackPath is the path Twilio posts a message's status to; the
// task id travels in the query (StatusCallbackURL).
const StatusCallbackPath = "/twilio/status"

// StatusCallbackURL is the status callback URL the dispatcher sets on the
// message for a task: the task id in the URL lets a callback repair a task
// whose SID was never written.
func StatusCallbackURL(publicBaseURL, taskID string) string {
	return publicBaseURL + StatusCallbackPath + "?task=" + url.QueryEscape(taskID)
}

// TaskURL is the URL of path under the public base URL for one task, the
// way Twilio is given it: every Twilio callback names its task.
func TaskURL(publicBaseURL, path, taskID string) string {
	return publicBaseURL + path + "?task=" + url.QueryEscape(taskID)
}

// Route keys.
const (
	RouteOrderWebhook  = "POST /webhooks/{source}"
	RouteTwilioStatus  = "POST /twilio/status"
	RouteTwilioInbound = "POST /twilio/inbound"
	// RouteTwilioCallStatus takes a call's status callbacks (the automated
	// call, and the staff leg of a click-to-call bridge).
	RouteTwilioCallStatus = "POST /twilio/call-status"
	// RouteTwilioVoice serves the automated thank-you call's TwiML.
	RouteTwilioVoice = "POST /twilio/voice"
	// RouteTwilioBridge serves the click-to-call bridge's TwiML, fetched
	// when the staff member answers: <Dial> to the customer.
	RouteTwilioBridge = "POST /twilio/bridge"
	// RouteTwilioDial takes the bridge's <Dial> action: how the
	// customer's leg ended.
	RouteTwilioDial = "POST /twilio/dial"
)

// Paths of the Twilio routes that take a ?task= parameter.
const (
	CallStatusPath = "/twilio/call-status"
	VoicePath      = "/twilio/voice"
	BridgePath     = "/twilio/bridge"
	DialPath       = "/twilio/dial"
)

// Vars lists every environment variable the functions read.
var Vars = []Var{
	{Name: "TABLE_NAME", Functions: all, Doc: "DynamoDB table name."},
	{Name: "RETENTION_DAYS", Functions: all, Default: "180", Doc: "Days personal data is kept after a task ends (DynamoDB TTL)."},
	{Name: "SHOP_NAME", Functions: all, Default: "our shop", Doc: "Shop name used in messages."},
	{Name: "SHOP_TIME_ZONE", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Default: "America/New_York", Doc: "IANA zone used when a phone number gives none."},
	{Name: "SHOP_DEFAULT_COUNTRY", Functions: []string{OrderWebhook}, Default: "US", Doc: "ISO country for phone numbers written without a country code."},
	{Name: "SHOPIFY_WEBHOOK_SECRET", Functions: []string{OrderWebhook}, Secret: true, Optional: true, Doc: "Shopify app's webhook signing secret (or SHOPIFY_WEBHOOK_SECRET_PARAM)."},
	{Name: "WOOCOMMERCE_WEBHOOK_SECRET", Functions: []string{OrderWebhook}, Secret: true, Optional: true, Doc: "WooCommerce webhook secret (or WOOCOMMERCE_WEBHOOK_SECRET_PARAM)."},
	{Name: "STRIPE_WEBHOOK_SECRET", Functions: []string{OrderWebhook}, Secret: true, Optional: true, Doc: "Stripe endpoint signing secret, whsec_... (or STRIPE_WEBHOOK_SECRET_PARAM)."},
	{Name: "GENERIC_WEBHOOK_SECRET", Functions: []string{OrderWebhook}, Secret: true, Optional: true, Doc: "Secret for the generic JSON webhook (or GENERIC_WEBHOOK_SECRET_PARAM)."},
	{Name: "SHOP_IDS", Functions: []string{OrderWebhook}, Doc: "The shop ids the environment's shop answers to, as source:id (shopify:a.myshopify.com, stripe: for none); a source with none learns the first one."},
	{Name: "MIN_ORDER_TOTAL", Functions: []string{OrderWebhook}, Doc: "Smallest order total thanked, in the shop's currency (empty: no minimum)."},
	{Name: "FIRST_ORDER_ONLY", Functions: []string{OrderWebhook}, Default: "false", Doc: "true thanks only a customer's first order."},
	{Name: "SKIP_TEST_ORDERS", Functions: []string{OrderWebhook}, Default: "true", Doc: "true skips the platforms' test orders."},
	{Name: "SKIP_TAGS", Functions: []string{OrderWebhook}, Doc: "Comma-separated order tags that are never thanked (e.g. wholesale,staff)."},
	{Name: "COUNTRIES", Functions: []string{OrderWebhook}, Doc: "Comma-separated ISO countries thanked (empty: all)."},
	{Name: "FREQUENCY_CAP_DAYS", Functions: []string{OrderWebhook}, Default: "0", Doc: "At most one thank-you per customer in this many days (0: no cap)."},
	{Name: "THANK_YOU_DELAY", Functions: []string{OrderWebhook}, Default: "72h", Doc: "Delay after the order before the thank-you (Go duration)."},
	{Name: "SEND_WINDOW_START", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Default: "10:00", Doc: "Start of the send window, recipient-local (never before 08:00)."},
	{Name: "SEND_WINDOW_END", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Default: "17:00", Doc: "End of the send window, recipient-local (never after 21:00)."},
	{Name: "SEND_DAYS", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Default: "Mon-Fri", Doc: "Days to send on: a range (Mon-Fri) or a list (Mon,Wed,Sat)."},
	{Name: "CLOSED_DATES", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Doc: "Comma-separated dates (2026-12-24,2026-12-31) on which nobody is contacted, recipient-local; added to public holidays and each shop's own."},
	{Name: "EXPIRE_AFTER", Functions: []string{OrderWebhook}, Default: "72h", Doc: "A task not sent within this long after its due time expires."},
	{Name: "CHANNEL", Functions: []string{OrderWebhook}, Default: "sms", Doc: "sms (text the customer), staff (text a staff member to call) or call (automated voice call; needs VOICE_CONSENT)."},
	{Name: "VOICE_CONSENT", Functions: []string{OrderWebhook}, Default: "false", Doc: "true states that customers agreed to an automated call; without it CHANNEL=call is refused and no call is made."},
	{Name: "VOICE", Functions: []string{OrderWebhook}, Doc: "Twilio <Say> voice of the automated call (e.g. Polly.Joanna; empty: Twilio's default)."},
	{Name: "VOICE_LANGUAGE", Functions: []string{OrderWebhook}, Default: "en-US", Doc: "<Say> language of the automated call."},
	{Name: "VOICE_PLAY_URL", Functions: []string{OrderWebhook}, Doc: "https URL of a recorded thank-you played instead of <Say> (empty: spoken)."},
	{Name: "STAFF_PHONE", Functions: []string{OrderWebhook, Dispatcher, TwilioWebhook}, Doc: "Staff member's phone (E.164) for the staff channel, and where customers' replies are forwarded when the call has no owner and the shop no staff phone of its own."},
	{Name: "TRIGGER", Functions: []string{OrderWebhook}, Default: "order", Doc: "What THANK_YOU_DELAY counts from: order, fulfilment or delivery (then a task waits for that event)."},
	{Name: "FULFILMENT_MAX_WAIT", Functions: []string{OrderWebhook}, Default: "720h", Doc: "How long a task waits for its fulfilment or delivery before it expires unsent."},
	{Name: "DEFAULT_LANGUAGE", Functions: []string{OrderWebhook, Dispatcher}, Default: "en", Doc: "The shop's language (en, es, fr, de, pt, ja): for orders without a supported language, and staff reminders."},
	{Name: "TWILIO_ACCOUNT_SID", Functions: []string{Dispatcher, TwilioWebhook}, Doc: "Twilio account SID (AC...)."},
	{Name: "TWILIO_AUTH_TOKEN", Functions: []string{Dispatcher, TwilioWebhook}, Secret: true, Doc: "Twilio auth token (or TWILIO_AUTH_TOKEN_PARAM)."},
	{Name: "TWILIO_FROM", Functions: []string{Dispatcher, TwilioWebhook}, Doc: "Sender number (E.164); or set TWILIO_MESSAGING_SERVICE_SID."},
	{Name: "TWILIO_MESSAGING_SERVICE_SID", Functions: []string{Dispatcher, TwilioWebhook}, Doc: "Messaging service SID (MG...), used instead of TWILIO_FROM."},
	{Name: "TWILIO_API_BASE_URL", Functions: []string{Dispatcher, TwilioWebhook}, Doc: "Empty for real Twilio; the local Twilio-compatible server's URL otherwise."},
	{Name: "PUBLIC_BASE_URL", Functions: []string{Dispatcher, TwilioWebhook}, Doc: "Public base URL of the HTTP API, for status callback URLs and Twilio signature checks (twilio-webhook: empty = from the request)."},
	{Name: "SEND_RATE", Functions: []string{Dispatcher}, Default: "10", Doc: "Maximum messages sent per second."},
	{Name: "MAX_CONCURRENCY", Functions: []string{Dispatcher}, Default: "4", Doc: "Sends in flight at once."},
	{Name: "MAX_ATTEMPTS", Functions: []string{Dispatcher}, Default: "5", Doc: "Attempts before a temporarily failing task is failed."},
	{Name: "LEASE_DURATION", Functions: []string{Dispatcher}, Default: "10m", Doc: "How long a claim holds a task before another run may take it; longer than DISPATCH_TIMEOUT and the schedule's period."},
	{Name: "DISPATCH_TIMEOUT", Functions: []string{Dispatcher}, Default: "120s", Doc: "The dispatcher function's timeout (the template sets its Timeout); the lease must outlast it."},
	{Name: "DISPATCH_SCHEDULE", Functions: []string{Dispatcher}, Default: "rate(5 minutes)", Doc: "The dispatcher's schedule (the template's DispatchSchedule); the lease must outlast a rate() schedule's period."},
	{Name: "ESCALATE_AFTER", Functions: []string{Dispatcher}, Default: "4h", Doc: "Working time a staff call may stay unanswered before one more reminder, and again before it is reassigned."},
	{Name: "DIGEST_LEAD", Functions: []string{Dispatcher}, Default: "30m", Doc: "How long before the end of their shift staff get the digest of their open calls."},
	{Name: "SMS_TEMPLATE", Functions: []string{Dispatcher}, Doc: "text/template for the customer SMS (empty: built-in)."},
	{Name: "STAFF_TEMPLATE", Functions: []string{Dispatcher}, Doc: "text/template for the staff reminder (empty: built-in)."},
	{Name: "STAFF_HOURS", Functions: []string{Dispatcher, TwilioWebhook}, Default: "09:00-17:00 Mon-Fri", Doc: "Hours of the shop's default staff phone, in SHOP_TIME_ZONE (roster members have their own)."},
	{Name: "CONTACT_CAP", Functions: []string{Dispatcher, TwilioWebhook}, Default: "1/24h", Doc: "Thank-you contacts per phone number across the deployment, as count/period (never above a state's legal cap)."},
	{Name: "HELP_TEXT", Functions: []string{TwilioWebhook}, Doc: "Answer to HELP (empty: built-in, names the shop)."},
}

// VarsFor returns the variables the named function reads.
func VarsFor(function string) []Var {
	var out []Var
	for _, v := range Vars {
		for _, f := range v.Functions {
			if f == function {
				out = append(out, v)
				break
			}
		}
	}
	return out
}

// Getenv is how configuration is read: os.Getenv in production, a map in tests.
type Getenv func(string) string

// reader reads declared variables and collects errors.
type reader struct {
	fn   string
	get  Getenv
	errs []string
}

func (r *reader) str(name string) string {
	for _, v := range Vars {
		if v.Name != name {
			continue
		}
		declared := false
		for _, f := range v.Functions {
			declared = declared || f == r.fn
		}
		if !declared {
			panic(fmt.Sprintf("config: %s reads undeclared variable %s", r.fn, name))
		}
		if s := strings.TrimSpace(r.get(name)); s != "" {
			return s
		}
		return v.Default
	}
	panic("config: unknown variable " + name)
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, name+": "+fmt.Sprintf(format, args...))
}

func (r *reader) required(name string) string {
	s := r.str(name)
	if s == "" {
		r.fail(name, "must be set")
	}
	return s
}

func (r *reader) duration(name string) time.Duration {
	s := r.str(name)
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		r.fail(name, "%q is not a duration like 72h or 90m", s)
	}
	return d
}

func (r *reader) positiveInt(name string) int {
	s := r.str(name)
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		r.fail(name, "%q is not a positive whole number", s)
	}
	return n
}

func (r *reader) positiveFloat(name string) float64 {
	s := r.str(name)
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		r.fail(name, "%q is not a positive number", s)
	}
	return f
}

func (r *reader) location(name string) *time.Location {
	s := r.str(name)
	loc, err := time.LoadLocation(s)
	if err != nil {
		r.fail(name, "%q is not an IANA time zone like Europe/Paris", s)
		return time.UTC
	}
	return loc
}

// secret returns a secret's value or, when NAME_PARAM is set instead, a
// reference to where it is stored.
func (r *reader) secret(name string) Secret {
	ref := strings.TrimSpace(r.get(name + "_PARAM"))
	val := r.str(name)
	switch {
	case val != "" && ref != "":
		r.fail(name, "set either %s or %s_PARAM, not both", name, name)
	case val == "" && ref == "":
		r.fail(name, "must be set (or %s_PARAM to read it from SSM Parameter Store or Secrets Manager)", name)
	}
	return Secret{Value: val, Ref: ref}
}

// optionalSecret is secret for a source that may be off.
func (r *reader) optionalSecret(name string) Secret {
	ref := strings.TrimSpace(r.get(name + "_PARAM"))
	val := r.str(name)
	if val != "" && ref != "" {
		r.fail(name, "set either %s or %s_PARAM, not both", name, name)
	}
	return Secret{Value: val, Ref: ref}
}

func (r *reader) boolean(name string) bool {
	s := strings.ToLower(r.str(name))
	switch s {
	case "true", "yes", "1":
		return true
	case "false", "no", "0", "":
		return false
	}
	r.fail(name, "%q is not true or false", s)
	return false
}

func (r *reader) nonNegativeInt(name string) int {
	s := r.str(name)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		r.fail(name, "%q is not a whole number >= 0", s)
	}
	return n
}

func (r *reader) list(name string) []string {
	var out []string
	for _, f := range strings.Split(r.str(name), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// schedulePeriod reads an EventBridge schedule expression and returns the
// period of a rate() ("rate(5 minutes)"), zero for a cron() one.
func (r *reader) schedulePeriod(name string) time.Duration {
	expr := strings.TrimSpace(r.str(name))
	if strings.HasPrefix(expr, "cron(") && strings.HasSuffix(expr, ")") {
		return 0
	}
	inner, ok := strings.CutPrefix(expr, "rate(")
	inner, ok2 := strings.CutSuffix(inner, ")")
	n, unit, ok3 := strings.Cut(strings.TrimSpace(inner), " ")
	count, err := strconv.Atoi(n)
	units := map[string]time.Duration{"minute": time.Minute, "minutes": time.Minute, "hour": time.Hour, "hours": time.Hour, "day": 24 * time.Hour, "days": 24 * time.Hour}
	u, ok4 := units[strings.TrimSpace(unit)]
	if !ok || !ok2 || !ok3 || !ok4 || err != nil || count < 1 {
		r.fail(name, "%q is not an EventBridge schedule: rate(<n> minutes|hours|days) or cron(...)", expr)
		return 0
	}
	return time.Duration(count) * u
}

// language reads a built-in language (package language) from a locale tag.
func (r *reader) language(name string) string {
	s := r.str(name)
	l := language.Match(s)
	if l == "" {
		r.fail(name, "%q is not one of the built-in languages (%s)", s, strings.Join(language.Supported, ", "))
		return language.English
	}
	return l
}

// shopIDs reads a list of source:id entries ("shopify:a.myshopify.com",
// "stripe:acct_1AbC", "stripe:" for deliveries that name no shop). Ids are
// kept exactly as written.
func (r *reader) shopIDs(name string) map[thankyou.Source][]string {
	out := map[thankyou.Source][]string{}
	for _, f := range strings.Split(r.str(name), ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		src, id, ok := strings.Cut(f, ":")
		switch thankyou.Source(src) {
		case thankyou.SourceShopify, thankyou.SourceWooCommerce, thankyou.SourceStripe, thankyou.SourceGeneric:
		default:
			ok = false
		}
		if !ok {
			r.fail(name, "%q is not source:id with a source among shopify, woocommerce, stripe and generic", f)
			continue
		}
		out[thankyou.Source(src)] = append(out[thankyou.Source(src)], id)
	}
	return out
}

// amount reads an amount (thankyou.ParseAmount's form), "" when unset.
func (r *reader) amount(name string) string {
	s := r.str(name)
	if s == "" {
		return ""
	}
	a, err := thankyou.ParseAmount(s)
	if err != nil {
		r.fail(name, "%s", thankyou.ErrorMessage(err))
		return ""
	}
	return a.String()
}

func (r *reader) err() error {
	if len(r.errs) == 0 {
		return nil
	}
	return thankyou.Errorf(thankyou.EINVALID, "%s configuration: %s", r.fn, strings.Join(r.errs, "; "))
}

// Secret is a secret's value (set locally) or a reference (Ref) to an SSM
// parameter name or a Secrets Manager ARN to read it from.
type Secret struct {
	Value string
	Ref   string
}

// String never shows the value.
func (s Secret) String() string {
	if s.Ref != "" {
		return "secret(" + s.Ref + ")"
	}
	return "secret(set)"
}

// Common is read by every function.
type Common struct {
	TableName string
	Retention time.Duration
	ShopName  string
}

func (r *reader) common() Common {
	c := Common{
		TableName: r.required("TABLE_NAME"),
		Retention: time.Duration(r.positiveInt("RETENTION_DAYS")) * 24 * time.Hour,
		ShopName:  r.str("SHOP_NAME"),
	}
	return c
}

// window reads the send window (SEND_WINDOW_START, SEND_WINDOW_END and
// SEND_DAYS), clamped to the legal hours.
func (r *reader) window() thankyou.Window {
	w, err := thankyou.ParseWindow(r.str("SEND_WINDOW_START"), r.str("SEND_WINDOW_END"), r.str("SEND_DAYS"))
	if err != nil {
		r.fail("SEND_WINDOW_START, SEND_WINDOW_END and SEND_DAYS", "%s", thankyou.ErrorMessage(err))
	}
	return w
}

// hours reads a window written in one piece ("09:00-17:00 Mon-Fri").
func (r *reader) hours(name string) thankyou.Window {
	w, err := thankyou.ParseWindowText(r.str(name))
	if err != nil {
		r.fail(name, "%s", thankyou.ErrorMessage(err))
	}
	return w
}

// Cap is a configured cap: at most Max in any Per.
type Cap struct {
	Max int
	Per time.Duration
}

// contactCap reads CONTACT_CAP, written "1/24h".
func (r *reader) contactCap() Cap {
	s := r.str("CONTACT_CAP")
	n, per, ok := strings.Cut(s, "/")
	max, err := strconv.Atoi(strings.TrimSpace(n))
	d, derr := time.ParseDuration(strings.TrimSpace(per))
	if !ok || err != nil || derr != nil || max < 1 || max > 50 || d < time.Hour {
		r.fail("CONTACT_CAP", "%q is not a cap like 1/24h (a count from 1 to 50, a period of at least 1h)", s)
		return Cap{}
	}
	return Cap{Max: max, Per: d}
}

// OrderWebhookConfig is the order webhook's configuration.
type OrderWebhookConfig struct {
	Common
	ShopTimeZone       *time.Location
	DefaultCountry     string
	ShopifySecret      Secret
	WooCommerceSecret  Secret
	StripeSecret       Secret
	GenericSecret      Secret
	Delay, ExpireAfter time.Duration
	Window             thankyou.Window
	// ClosedDates are the deployment's closed dates as written
	// ("2026-12-24,2026-12-31"; polite.ParseDates reads them).
	ClosedDates string
	Channel     thankyou.Channel
	StaffPhone  string
	Rules       thankyou.Rules
	Voice       thankyou.Voice
	// ShopIDs are the shop ids the environment's shop answers to, by
	// source (SHOP_IDS). A source without any learns the id of its first
	// verified delivery and answers to that one only.
	ShopIDs map[thankyou.Source][]string
	// Trigger is what Delay counts from; MaxWait how long a task waits for
	// its fulfilment or delivery.
	Trigger thankyou.Trigger
	MaxWait time.Duration
	// Language is the shop's built-in language (package language).
	Language string
}

// Secrets returns the configured sources' secrets by source.
func (c OrderWebhookConfig) Secrets() map[thankyou.Source]Secret {
	out := map[thankyou.Source]Secret{}
	for src, s := range map[thankyou.Source]Secret{
		thankyou.SourceShopify: c.ShopifySecret, thankyou.SourceWooCommerce: c.WooCommerceSecret,
		thankyou.SourceStripe: c.StripeSecret, thankyou.SourceGeneric: c.GenericSecret,
	} {
		if s.Value != "" || s.Ref != "" {
			out[src] = s
		}
	}
	return out
}

// LoadOrderWebhook reads the order webhook's configuration.
func LoadOrderWebhook(get Getenv) (OrderWebhookConfig, error) {
	r := &reader{fn: OrderWebhook, get: get}
	c := OrderWebhookConfig{
		Common:            r.common(),
		ShopTimeZone:      r.location("SHOP_TIME_ZONE"),
		DefaultCountry:    strings.ToUpper(r.str("SHOP_DEFAULT_COUNTRY")),
		ShopifySecret:     r.optionalSecret("SHOPIFY_WEBHOOK_SECRET"),
		WooCommerceSecret: r.optionalSecret("WOOCOMMERCE_WEBHOOK_SECRET"),
		StripeSecret:      r.optionalSecret("STRIPE_WEBHOOK_SECRET"),
		GenericSecret:     r.optionalSecret("GENERIC_WEBHOOK_SECRET"),
		Delay:             r.duration("THANK_YOU_DELAY"),
		ExpireAfter:       r.duration("EXPIRE_AFTER"),
		Window:            r.window(),
		ClosedDates:       r.str("CLOSED_DATES"),
		StaffPhone:        r.str("STAFF_PHONE"),
		MaxWait:           r.duration("FULFILMENT_MAX_WAIT"),
		Language:          r.language("DEFAULT_LANGUAGE"),
		Voice: thankyou.Voice{
			Consent:  r.boolean("VOICE_CONSENT"),
			Voice:    r.str("VOICE"),
			Language: r.str("VOICE_LANGUAGE"),
			PlayURL:  r.str("VOICE_PLAY_URL"),
		},
		Rules: thankyou.Rules{
			MinTotal:         r.amount("MIN_ORDER_TOTAL"),
			FirstOrderOnly:   r.boolean("FIRST_ORDER_ONLY"),
			SkipTestOrders:   r.boolean("SKIP_TEST_ORDERS"),
			SkipTags:         r.list("SKIP_TAGS"),
			Countries:        r.list("COUNTRIES"),
			FrequencyCapDays: r.nonNegativeInt("FREQUENCY_CAP_DAYS"),
		},
	}
	c.ShopIDs = r.shopIDs("SHOP_IDS")
	if len(c.Secrets()) == 0 {
		r.fail("SHOPIFY_WEBHOOK_SECRET", "no order source is configured: set the secret (or *_PARAM) of at least one of SHOPIFY_, WOOCOMMERCE_, STRIPE_ or GENERIC_WEBHOOK_SECRET")
	}
	for i, cc := range c.Rules.Countries {
		if len(cc) != 2 {
			r.fail("COUNTRIES", "%q is not a two-letter ISO country code", cc)
		}
		c.Rules.Countries[i] = strings.ToUpper(cc)
	}
	if len(c.DefaultCountry) != 2 {
		r.fail("SHOP_DEFAULT_COUNTRY", "%q is not a two-letter ISO country code like US", c.DefaultCountry)
	}
	ch, err := thankyou.ParseChannel(r.str("CHANNEL"))
	if err != nil {
		r.fail("CHANNEL", "%s", thankyou.ErrorMessage(err))
	}
	c.Channel = ch
	if ch == thankyou.ChannelStaff && c.StaffPhone == "" {
		r.fail("STAFF_PHONE", "must be set when CHANNEL is staff")
	}
	if err := thankyou.CheckVoice(ch, c.Voice); err != nil {
		r.fail("VOICE_CONSENT", "%s", thankyou.ErrorMessage(err))
	}
	trigger, err := thankyou.ParseTrigger(r.str("TRIGGER"))
	if err != nil {
		r.fail("TRIGGER", "%s", thankyou.ErrorMessage(err))
	}
	c.Trigger = trigger
	if c.MaxWait <= 0 {
		r.fail("FULFILMENT_MAX_WAIT", "must be positive")
	}
	return c, r.err()
}

// TwilioConfig is how to reach Twilio.
type TwilioConfig struct {
	AccountSID          string
	AuthToken           Secret
	From                string
	MessagingServiceSID string
	// BaseURL is empty for the real Twilio API.
	BaseURL string
}

// DispatcherConfig is the dispatcher's configuration.
type DispatcherConfig struct {
	Common
	ShopTimeZone *time.Location
	Window       thankyou.Window
	// ClosedDates are the deployment's closed dates as written.
	ClosedDates    string
	Twilio         TwilioConfig
	PublicBaseURL  string
	SendRate       float64
	MaxConcurrency int
	MaxAttempts    int
	Lease          time.Duration
	// Timeout is the dispatcher function's timeout and SchedulePeriod the
	// period of its rate() schedule (zero for a cron() schedule): the
	// lease outlasts both, so no run outlives the claims it made and each
	// run finds the claims of the last one expired only if it died.
	Timeout        time.Duration
	SchedulePeriod time.Duration
	SMSTemplate    string
	StaffTemplate  string
	// Language is the language of SMSTemplate and StaffTemplate (or of the
	// built-in texts when they are empty): a task in another language gets
	// that language's built-in texts.
	Language string
	// EscalateAfter is the working time a staff call may stay unanswered
	// before one more reminder, and again before it is reassigned.
	EscalateAfter time.Duration
	// DigestLead is how long before their shift ends staff get the digest.
	DigestLead time.Duration
	// StaffHours are the hours of the shop's default staff phone
	// ("09:00-17:00 Mon-Fri"); ContactCap caps thank-you contacts per
	// number.
	StaffHours thankyou.Window
	ContactCap Cap
	// EventClock takes a run's "now" from its scheduled event's time. It
	// is set only under `sam local` (which sets AWS_SAM_LOCAL=true), so a
	// fixture written for three days later can be played today; a
	// deployed function never has it, whatever its environment says.
	EventClock bool
	// StaffPhone is where customers' replies go when the call has no
	// owner and the shop no staff phone of its own.
	StaffPhone string
}

// LoadDispatcher reads the dispatcher's configuration.
func LoadDispatcher(get Getenv) (DispatcherConfig, error) {
	r := &reader{fn: Dispatcher, get: get}
	c := DispatcherConfig{
		Common:       r.common(),
		ShopTimeZone: r.location("SHOP_TIME_ZONE"),
		Window:       r.window(),
		ClosedDates:  r.str("CLOSED_DATES"),
		Twilio: TwilioConfig{
			AccountSID:          r.required("TWILIO_ACCOUNT_SID"),
			AuthToken:           r.secret("TWILIO_AUTH_TOKEN"),
			From:                r.str("TWILIO_FROM"),
			MessagingServiceSID: r.str("TWILIO_MESSAGING_SERVICE_SID"),
			BaseURL:             r.str("TWILIO_API_BASE_URL"),
		},
		PublicBaseURL:  strings.TrimRight(r.required("PUBLIC_BASE_URL"), "/"),
		SendRate:       r.positiveFloat("SEND_RATE"),
		MaxConcurrency: r.positiveInt("MAX_CONCURRENCY"),
		MaxAttempts:    r.positiveInt("MAX_ATTEMPTS"),
		Lease:          r.duration("LEASE_DURATION"),
		Timeout:        r.duration("DISPATCH_TIMEOUT"),
		SchedulePeriod: r.schedulePeriod("DISPATCH_SCHEDULE"),
		SMSTemplate:    r.str("SMS_TEMPLATE"),
		StaffTemplate:  r.str("STAFF_TEMPLATE"),
		Language:       r.language("DEFAULT_LANGUAGE"),
		EscalateAfter:  r.duration("ESCALATE_AFTER"),
		DigestLead:     r.duration("DIGEST_LEAD"),
		StaffHours:     r.hours("STAFF_HOURS"),
		StaffPhone:     r.str("STAFF_PHONE"),
		ContactCap:     r.contactCap(),
		EventClock:     get("AWS_SAM_LOCAL") == "true",
	}
	if c.EscalateAfter < 5*time.Minute {
		r.fail("ESCALATE_AFTER", "must be at least 5m")
	}
	if c.Twilio.From == "" && c.Twilio.MessagingServiceSID == "" {
		r.fail("TWILIO_FROM", "set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID")
	}
	if c.Twilio.AccountSID != "" && !strings.HasPrefix(c.Twilio.AccountSID, "AC") {
		r.fail("TWILIO_ACCOUNT_SID", "must start with AC")
	}
	if c.Lease < 10*time.Second {
		r.fail("LEASE_DURATION", "must be at least 10s")
	}
	if c.Lease <= c.Timeout {
		r.fail("LEASE_DURATION", "%s must be longer than the dispatcher's timeout, DISPATCH_TIMEOUT %s: a run could still be sending a task another run takes over", c.Lease, c.Timeout)
	}
	if c.Lease <= c.SchedulePeriod {
		r.fail("LEASE_DURATION", "%s must be longer than the period of DISPATCH_SCHEDULE, %s", c.Lease, c.SchedulePeriod)
	}
	return c, r.err()
}

// TwilioWebhookConfig is the Twilio webhook's configuration.
type TwilioWebhookConfig struct {
	Common
	AuthToken Secret
	// PublicBaseURL is the URL Twilio calls; empty means "from the request"
	// (https://<API Gateway domain>), which is right unless a proxy or a
	// custom domain rewrites the host.
	PublicBaseURL string
	HelpText      string
	// Twilio is how staff get answers that are not replies (a bridged call
	// the customer did not pick up) and how click-to-call bridges are
	// placed; AuthToken is Twilio.AuthToken.
	Twilio TwilioConfig
	// ShopTimeZone and Window place a snoozed reminder of the shop's
	// default staff phone (roster members use their own hours).
	ShopTimeZone *time.Location
	Window       thankyou.Window
	// StaffHours and ContactCap as for the dispatcher: the bridge's legs
	// go through the same gate.
	StaffHours thankyou.Window
	ContactCap Cap
	// StaffPhone is where customers' replies go when the call has no
	// owner and the shop no staff phone of its own.
	StaffPhone string
	// ClosedDates as for the dispatcher: the bridge and REPLY answers to
	// customers keep them too.
	ClosedDates string
}

// LoadTwilioWebhook reads the Twilio webhook's configuration.
func LoadTwilioWebhook(get Getenv) (TwilioWebhookConfig, error) {
	r := &reader{fn: TwilioWebhook, get: get}
	token := r.secret("TWILIO_AUTH_TOKEN")
	c := TwilioWebhookConfig{
		Common:        r.common(),
		AuthToken:     token,
		PublicBaseURL: strings.TrimRight(r.str("PUBLIC_BASE_URL"), "/"),
		HelpText:      r.str("HELP_TEXT"),
		Twilio: TwilioConfig{
			AccountSID:          r.required("TWILIO_ACCOUNT_SID"),
			AuthToken:           token,
			From:                r.str("TWILIO_FROM"),
			MessagingServiceSID: r.str("TWILIO_MESSAGING_SERVICE_SID"),
			BaseURL:             r.str("TWILIO_API_BASE_URL"),
		},
		ShopTimeZone: r.location("SHOP_TIME_ZONE"),
		Window:       r.window(),
		StaffHours:   r.hours("STAFF_HOURS"),
		StaffPhone:   r.str("STAFF_PHONE"),
		ClosedDates:  r.str("CLOSED_DATES"),
		ContactCap:   r.contactCap(),
	}
	if c.Twilio.AccountSID != "" && !strings.HasPrefix(c.Twilio.AccountSID, "AC") {
		r.fail("TWILIO_ACCOUNT_SID", "must start with AC")
	}
	return c, r.err()
}
