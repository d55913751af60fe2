package cost

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/thankyoucalls/thankyoucalls/internal/dev/samtemplate"
)

// Request is one DynamoDB request as the Meter saw it, with the request
// units it costs on an on-demand table.
type Request struct {
	// Operation is the API operation: GetItem, PutItem, UpdateItem,
	// DeleteItem, Query, Scan, BatchGetItem, BatchWriteItem, or a control
	// plane operation (CreateTable, ...), which costs no request units.
	Operation string `json:"operation"`
	// Index is the index a Query or Scan read, if any.
	Index string `json:"index,omitempty"`
	// Consistent is true for a strongly consistent read.
	Consistent bool `json:"consistent,omitempty"`
	// Failed is true when DynamoDB refused the request (a conditional
	// check that failed, say). A refused write still costs its units.
	Failed bool `json:"failed,omitempty"`
	// Bytes is the item size the units were counted from: the items read
	// (as returned: a projection of an item over 4 KB returns less than
	// DynamoDB bills), or the larger of the item before and after a write.
	Bytes int `json:"bytes"`
	// IndexWrites is the writes made to global secondary indexes: one to
	// add or remove an item, two (a delete and a put) to change its keys.
	IndexWrites int `json:"indexWrites,omitempty"`
	// Units is what the request costs, index writes included.
	Units Units `json:"units"`
	// Unpriced is true for a data operation the Meter does not price
	// (transactions, PartiQL): its Units are zero and should not be.
	Unpriced bool `json:"unpriced,omitempty"`
	// At is when the answer came back.
	At time.Time `json:"at"`
}

// Sum returns the units of all the requests.
func Sum(reqs []Request) Units {
	var u Units
	for _, r := range reqs {
		u = u.Add(r.Units)
	}
	return u
}

// DataRequests counts the requests that read or write items (control plane
// requests such as CreateTable excluded).
func DataRequests(reqs []Request) int {
	n := 0
	for _, r := range reqs {
		if dataOperations[r.Operation] {
			n++
		}
	}
	return n
}

var dataOperations = map[string]bool{
	"GetItem": true, "PutItem": true, "UpdateItem": true, "DeleteItem": true, "Query": true, "Scan": true,
	"BatchGetItem": true, "BatchWriteItem": true, "TransactGetItems": true, "TransactWriteItems": true,
	"ExecuteStatement": true, "BatchExecuteStatement": true, "ExecuteTransaction": true,
}

// Meter watches the DynamoDB requests that go through it (as the SDK's HTTP
// client, or as a reverse proxy's transport) and records what each costs. To
// price writes it remembers the size of every item it has seen written and
// whether the item is in each global secondary index. It is safe for
// concurrent use.
type Meter struct {
	keys    []string   // the table's key attributes
	indexes []indexDef // its global secondary indexes

	mu    sync.Mutex
	reqs  []Request
	items map[string]itemState // by table and key
}

type indexDef struct {
	name string
	keys []string
}

// itemState is what the Meter knows of an item.
type itemState struct {
	size int
	// in holds, per index, the item's key values in that index ("" when
	// the item is not in it).
	in []string
}

// NewTemplateMeter returns a Meter for tables shaped like the repository's
// template.yaml table: what the functions' tables are when deployed.
func NewTemplateMeter() (*Meter, error) {
	tpl, err := samtemplate.Load(samtemplate.RepoTemplatePath())
	if err != nil {
		return nil, fmt.Errorf("meter: %w", err)
	}
	in, err := tpl.CreateTableInput("shape")
	if err != nil {
		return nil, fmt.Errorf("meter: %w", err)
	}
	return NewMeter(in), nil
}

// NewMeter returns a Meter for tables shaped like in (samtemplate's
// CreateTableInput): its key schema and global secondary indexes.
func NewMeter(in *dynamodb.CreateTableInput) *Meter {
	m := &Meter{items: map[string]itemState{}}
	for _, k := range in.KeySchema {
		m.keys = append(m.keys, aws.ToString(k.AttributeName))
	}
	for _, g := range in.GlobalSecondaryIndexes {
		d := indexDef{name: aws.ToString(g.IndexName)}
		for _, k := range g.KeySchema {
			d.keys = append(d.keys, aws.ToString(k.AttributeName))
		}
		m.indexes = append(m.indexes, d)
	}
	return m
}

// Requests returns a copy of the requests recorded so far.
func (m *Meter) Requests() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.reqs)
}

// Take returns the requests recorded since the last Take (or Reset) and
// forgets them. What the Meter knows of items is kept.
func (m *Meter) Take() []Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.reqs
	m.reqs = nil
	return r
}

// Stored returns how many items of table the Meter has seen written and not
// deleted, and their total size in bytes.
func (m *Meter) Stored(table string) (items, size int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	prefix := table + "\x00"
	for k, st := range m.items {
		if strings.HasPrefix(k, prefix) {
			items++
			size += st.size
		}
	}
	return items, size
}

// HTTPClient is how the AWS SDK sends requests (aws.HTTPClient).
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

type doerFunc func(*http.Request) (*http.Response, error)

func (f doerFunc) Do(r *http.Request) (*http.Response, error) { return f(r) }

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Client returns an HTTP client for the AWS SDK (dynamodb.Options's
// HTTPClient) that sends through next and meters every DynamoDB request.
func (m *Meter) Client(next HTTPClient) HTTPClient {
	return doerFunc(func(r *http.Request) (*http.Response, error) { return m.do(r, next.Do) })
}

// Transport returns an http.RoundTripper that sends through next and meters
// every DynamoDB request: the transport of a reverse proxy in front of a
// DynamoDB endpoint.
func (m *Meter) Transport(next http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) { return m.do(r, next.RoundTrip) })
}

// do sends r and records it if it is a DynamoDB request. Bodies are read
// whole and given back unchanged.
func (m *Meter) do(r *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	target := r.Header.Get("X-Amz-Target")
	service, op, ok := strings.Cut(target, ".")
	if !ok || !strings.HasPrefix(service, "DynamoDB_") {
		return send(r)
	}
	var reqBody []byte
	if r.Body != nil {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("meter: read %s request: %w", op, err)
		}
		reqBody = b
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	}
	resp, err := send(r)
	if err != nil {
		return resp, err
	}
	respBody, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("meter: read %s answer: %w", op, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(respBody))
	parsed := respBody
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		if zr, err := gzip.NewReader(bytes.NewReader(respBody)); err == nil {
			if b, err := io.ReadAll(zr); err == nil {
				parsed = b
			}
		}
	}
	m.Record(op, reqBody, resp.StatusCode, parsed)
	return resp, nil
}

// Record meters one DynamoDB request of operation op from its JSON request
// body, the HTTP status of its answer and the answer's JSON body, and
// returns what was recorded. A body it cannot read is recorded as Unpriced.
func (m *Meter) Record(op string, reqBody []byte, status int, respBody []byte) Request {
	req := Request{Operation: op, Failed: status != http.StatusOK}
	var in wireRequest
	var out wireResponse
	errIn := json.Unmarshal(reqBody, &in)
	errOut := json.Unmarshal(respBody, &out)
	if !dataOperations[op] {
		// Control plane: no request units.
	} else if errIn != nil || (errOut != nil && !req.Failed) {
		req.Unpriced = true
	} else {
		m.price(&req, &in, &out)
	}
	req.At = time.Now()
	m.mu.Lock()
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	return req
}

// wireRequest holds the fields of DynamoDB's JSON requests that matter for
// pricing.
type wireRequest struct {
	TableName                string
	IndexName                string
	ConsistentRead           bool
	Item                     map[string]json.RawMessage
	Key                      map[string]json.RawMessage
	UpdateExpression         string
	ExpressionAttributeNames map[string]string
	RequestItems             map[string]json.RawMessage
}

// wireResponse holds the fields of DynamoDB's JSON answers that matter.
type wireResponse struct {
	Item       map[string]json.RawMessage
	Items      []map[string]json.RawMessage
	Attributes map[string]json.RawMessage
	Responses  map[string][]map[string]json.RawMessage
}

// price fills req's units from the request and its answer.
func (m *Meter) price(req *Request, in *wireRequest, out *wireResponse) {
	var err error
	switch req.Operation {
	case "GetItem":
		req.Consistent = in.ConsistentRead
		if req.Bytes, err = ItemSize(out.Item); err == nil {
			req.Units.RRU = ReadUnits(req.Bytes, in.ConsistentRead)
		}
	case "Query", "Scan":
		// A Scan is billed on the items it reads, before any filter;
		// the items returned are a lower bound.
		req.Index, req.Consistent = in.IndexName, in.ConsistentRead
		for _, it := range out.Items {
			n, e := ItemSize(it)
			if e != nil {
				err = e
				break
			}
			req.Bytes += n
		}
		req.Units.RRU = ReadUnits(req.Bytes, in.ConsistentRead)
	case "BatchGetItem":
		err = m.priceBatchGet(req, in, out)
	case "PutItem":
		err = m.pricePut(req, in)
	case "UpdateItem":
		err = m.priceUpdate(req, in, out)
	case "DeleteItem":
		m.priceDelete(req, in.TableName, in.Key)
	case "BatchWriteItem":
		err = m.priceBatchWrite(req, in)
	default:
		req.Unpriced = true
	}
	if err != nil {
		req.Unpriced, req.Units = true, Units{}
	}
}

func (m *Meter) priceBatchGet(req *Request, in *wireRequest, out *wireResponse) error {
	for table, items := range out.Responses {
		var spec struct{ ConsistentRead bool }
		if raw, ok := in.RequestItems[table]; ok {
			if err := json.Unmarshal(raw, &spec); err != nil {
				return err
			}
		}
		req.Consistent = req.Consistent || spec.ConsistentRead
		for _, it := range items {
			n, err := ItemSize(it)
			if err != nil {
				return err
			}
			req.Bytes += n
			req.Units.RRU += ReadUnits(n, spec.ConsistentRead)
		}
	}
	return nil
}

func (m *Meter) pricePut(req *Request, in *wireRequest) error {
	after, err := ItemSize(in.Item)
	if err != nil {
		return err
	}
	key := m.itemKey(in.TableName, in.Item)
	m.mu.Lock()
	defer m.mu.Unlock()
	before := m.items[key]
	req.Bytes = max(before.size, after)
	req.Units.WRU = WriteUnits(req.Bytes)
	if req.Failed {
		return nil
	}
	st := itemState{size: after, in: m.indexValues(in.Item)}
	req.IndexWrites = indexWrites(before.in, st.in)
	req.Units.WRU += float64(req.IndexWrites)
	m.items[key] = st
	return nil
}

func (m *Meter) priceUpdate(req *Request, in *wireRequest, out *wireResponse) error {
	key := m.itemKey(in.TableName, in.Key)
	set, removed := TouchedAttributes(in.UpdateExpression, in.ExpressionAttributeNames)
	m.mu.Lock()
	defer m.mu.Unlock()
	before, known := m.items[key]
	if req.Failed {
		req.Bytes = before.size
		req.Units.WRU = WriteUnits(req.Bytes)
		return nil
	}
	st := before
	if out.Attributes != nil {
		// The whole item came back (ReturnValues ALL_NEW).
		after, err := ItemSize(out.Attributes)
		if err != nil {
			return err
		}
		st = itemState{size: after, in: m.indexValues(out.Attributes)}
	} else {
		st.in = m.guessIndexValues(before.in, set, removed)
	}
	if !known {
		// Never seen written: assume it was in the indexes whose keys the
		// update sets or removes (the dearer case), and that the others
		// did not change.
		before = itemState{size: st.size, in: slices.Clone(st.in)}
		if before.in == nil {
			before.in = make([]string, len(m.indexes))
		}
		for i, ix := range m.indexes {
			if touchesAny(ix.keys, set) || touchesAny(ix.keys, removed) {
				before.in[i] = "\x00unknown"
			}
		}
	}
	req.Bytes = max(before.size, st.size)
	req.Units.WRU = WriteUnits(req.Bytes)
	req.IndexWrites = indexWrites(before.in, st.in)
	req.Units.WRU += float64(req.IndexWrites)
	m.items[key] = st
	return nil
}

func (m *Meter) priceDelete(req *Request, table string, k map[string]json.RawMessage) {
	key := m.itemKey(table, k)
	m.mu.Lock()
	defer m.mu.Unlock()
	before, known := m.items[key]
	req.Bytes = before.size
	req.Units.WRU = WriteUnits(before.size)
	if req.Failed || !known {
		return
	}
	req.IndexWrites = indexWrites(before.in, nil)
	req.Units.WRU += float64(req.IndexWrites)
	delete(m.items, key)
}

func (m *Meter) priceBatchWrite(req *Request, in *wireRequest) error {
	for table, raw := range in.RequestItems {
		var writes []struct {
			PutRequest    *struct{ Item map[string]json.RawMessage }
			DeleteRequest *struct{ Key map[string]json.RawMessage }
		}
		if err := json.Unmarshal(raw, &writes); err != nil {
			return err
		}
		for _, w := range writes {
			var one Request
			switch {
			case w.PutRequest != nil:
				if err := m.pricePut(&one, &wireRequest{TableName: table, Item: w.PutRequest.Item}); err != nil {
					return err
				}
			case w.DeleteRequest != nil:
				m.priceDelete(&one, table, w.DeleteRequest.Key)
			}
			req.Bytes += one.Bytes
			req.IndexWrites += one.IndexWrites
			req.Units = req.Units.Add(one.Units)
		}
	}
	return nil
}

// itemKey identifies an item across tables: the table name and the
// item's key attributes, in key schema order.
func (m *Meter) itemKey(table string, item map[string]json.RawMessage) string {
	var b strings.Builder
	b.WriteString(table)
	for _, k := range m.keys {
		b.WriteByte(0)
		b.Write(item[k])
	}
	return b.String()
}

// indexValues returns, per index, the item's key values in it, or "" when
// the item lacks one of the index's keys (a sparse index leaves it out).
func (m *Meter) indexValues(item map[string]json.RawMessage) []string {
	out := make([]string, len(m.indexes))
	for i, ix := range m.indexes {
		var b strings.Builder
		for _, k := range ix.keys {
			v, ok := item[k]
			if !ok {
				b.Reset()
				break
			}
			b.WriteByte(0)
			b.Write(v)
		}
		out[i] = b.String()
	}
	return out
}

// guessIndexValues is indexValues for an update whose result is not known:
// setting an index key changes the item's entry, removing one takes the
// item out of the index.
func (m *Meter) guessIndexValues(before []string, set, removed []string) []string {
	out := make([]string, len(m.indexes))
	copy(out, before)
	for i, ix := range m.indexes {
		switch {
		case touchesAny(ix.keys, removed):
			out[i] = ""
		case touchesAny(ix.keys, set):
			out[i] += "\x00set"
		}
	}
	return out
}

func touchesAny(keys, attrs []string) bool {
	for _, k := range keys {
		if slices.Contains(attrs, k) {
			return true
		}
	}
	return false
}

// indexWrites counts the index writes of an item going from one set of
// index entries to another: adding or removing an entry is one write,
// changing its keys two (a delete and a put).
func indexWrites(before, after []string) int {
	n := 0
	for i := range max(len(before), len(after)) {
		var b, a string
		if i < len(before) {
			b = before[i]
		}
		if i < len(after) {
			a = after[i]
		}
		switch {
		case b == a:
		case b == "" || a == "":
			n++
		default:
			n += 2
		}
	}
	return n
}

// TouchedAttributes returns the top-level attributes an UpdateExpression
// sets (SET, ADD) and removes (REMOVE, DELETE removes set elements and is
// counted as set), with #placeholders resolved through names.
func TouchedAttributes(expr string, names map[string]string) (set, removed []string) {
	for _, clause := range splitClauses(expr) {
		for _, action := range splitTopLevel(clause.body, ',') {
			action = strings.TrimSpace(action)
			var path string
			switch clause.keyword {
			case "SET":
				path, _, _ = strings.Cut(action, "=")
			default: // REMOVE: the path; ADD, DELETE: "path value"
				if f := strings.Fields(action); len(f) > 0 {
					path = f[0]
				}
			}
			name := attributeName(strings.TrimSpace(path), names)
			if name == "" {
				continue
			}
			if clause.keyword == "REMOVE" {
				removed = append(removed, name)
			} else {
				set = append(set, name)
			}
		}
	}
	return set, removed
}

type clause struct{ keyword, body string }

// splitClauses cuts an UpdateExpression at its SET, REMOVE, ADD and DELETE
// keywords (outside parentheses, as whole words).
func splitClauses(expr string) []clause {
	var out []clause
	depth, start, keyword := 0, -1, ""
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '(':
			depth++
			continue
		case ')':
			depth--
			continue
		}
		if depth != 0 || (i > 0 && isWordByte(expr[i-1])) {
			continue
		}
		for _, kw := range []string{"SET", "REMOVE", "ADD", "DELETE"} {
			end := i + len(kw)
			if end <= len(expr) && strings.EqualFold(expr[i:end], kw) && (end == len(expr) || !isWordByte(expr[end])) {
				if keyword != "" {
					out = append(out, clause{keyword, expr[start:i]})
				}
				keyword, start = kw, end
				i = end - 1
				break
			}
		}
	}
	if keyword != "" {
		out = append(out, clause{keyword, expr[start:]})
	}
	return out
}

func isWordByte(c byte) bool {
	return c == '_' || c == '#' || c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// splitTopLevel splits s at sep outside parentheses and brackets.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case sep:
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

// attributeName returns the top-level attribute of a document path
// ("#a.b[1]" → the name #a stands for).
func attributeName(path string, names map[string]string) string {
	end := strings.IndexAny(path, ".[ ")
	if end >= 0 {
		path = path[:end]
	}
	if strings.HasPrefix(path, "#") {
		return names[path]
	}
	return path
}
