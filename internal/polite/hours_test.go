package polite

import (
	"testing"
	"time"
)

func TestHoursAt(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	w, err := ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	h := Hours{Window: w}
	tests := []struct {
		name   string
		at     time.Time
		zones  []*time.Location
		open   bool
		reason Reason
		next   time.Time
	}{
		{"inside", time.Date(2026, 12, 2, 11, 0, 0, 0, ny), []*time.Location{ny}, true, ReasonOpen, time.Time{}},
		{"before", time.Date(2026, 12, 2, 8, 0, 0, 0, ny), []*time.Location{ny}, false, ReasonWindow, time.Date(2026, 12, 2, 10, 0, 0, 0, ny)},
		{"friday evening", time.Date(2026, 12, 4, 18, 0, 0, 0, ny), []*time.Location{ny}, false, ReasonWindow, time.Date(2026, 12, 7, 10, 0, 0, 0, ny)},
		{"no shared time", time.Date(2026, 12, 2, 11, 0, 0, 0, ny), []*time.Location{ny, tokyo}, false, ReasonNoPoliteTime, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := h.At(tt.at, Recipient{Zones: tt.zones})
			if v.Open != tt.open || v.Reason != tt.reason || !v.Next.Equal(tt.next) {
				t.Fatalf("At = %+v, want open %v reason %q next %v", v, tt.open, tt.reason, tt.next)
			}
			if v.Open && !v.Until.Equal(time.Date(2026, 12, 2, 17, 0, 0, 0, ny)) {
				t.Fatalf("Until = %v", v.Until)
			}
		})
	}
}
