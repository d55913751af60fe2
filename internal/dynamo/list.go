package dynamo

import (
	"context"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// TaskFilter selects tasks by source, shop and state; zero fields select
// everything.
type TaskFilter struct {
	Source thankyou.Source
	// Shop needs Source.
	Shop  string
	State thankyou.State
	// NeedsAttention selects the tasks whose customer's reply read as a
	// complaint (thankyou.NeedsAttention).
	NeedsAttention bool
}

// ListTasks calls fn for every task the filter selects: ScanTasks with no
// date range and no progress (a filtered Scan, for the operators' tool and
// tests only).
func (s *Store) ListTasks(ctx context.Context, f TaskFilter, fn func(thankyou.Task) error) error {
	return s.ScanTasks(ctx, TaskQuery{TaskFilter: f}, nil, fn)
}
