package metrics_test

import (
	"testing"

	"github.com/thankyoucalls/thankyoucalls/internal/metrics"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TestStatusCallbacksAreCountedByTheStateTheyEnd: every state the state
// table ranks after sent has its documented metric, by TwilioCode when the
// message did not reach its recipient; no other state is counted.
func TestStatusCallbacksAreCountedByTheStateTheyEnd(t *testing.T) {
	want := map[thankyou.State]struct {
		metric string
		byCode bool
	}{
		thankyou.StateDelivered:   {metrics.Delivered, false},
		thankyou.StateUndelivered: {metrics.Undelivered, true},
		thankyou.StateFailed:      {metrics.Failed, true},
	}
	for _, s := range thankyou.States() {
		metric, dims, ok := metrics.StatusEnded(s, 30003)
		w, counted := want[s]
		if ok != counted || metric != w.metric {
			t.Errorf("StatusEnded(%s) = %q, %v; want %q, %v", s, metric, ok, w.metric, counted)
			continue
		}
		wantDims := []metrics.Dimension(nil)
		if w.byCode {
			wantDims = []metrics.Dimension{metrics.TwilioCode(30003)}
		}
		if len(dims) != len(wantDims) || (len(dims) == 1 && dims[0] != wantDims[0]) {
			t.Errorf("StatusEnded(%s) dimensions = %v, want %v", s, dims, wantDims)
		}
	}
}
