package staff_test

import (
	"slices"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/staff"
	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

// member is a roster member with these hours; hours that do not parse
// leave the member with none (the zero Window), as no stored member can
// have bad ones.
func member(id, zone, start, end, days string) thankyou.StaffMember {
	hours, _ := thankyou.ParseWindow(start, end, days)
	return thankyou.StaffMember{
		Source: thankyou.SourceShopify, ShopID: "a.myshopify.com", ID: id, Name: "Member " + id, Phone: "+12125550100",
		TimeZone: zone, Hours: hours, Active: true,
	}
}

func inactive(m thankyou.StaffMember) thankyou.StaffMember {
	m.Active = false
	return m
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestCallsGoToTheStaffOnDutyWithTheFewestOpenCalls(t *testing.T) {
	paris := member("paris", "Europe/Paris", "09:00", "17:00", "Mon-Fri")
	ny := member("ny", "America/New_York", "09:00", "17:00", "Mon-Fri")
	sunday := member("sun", "America/New_York", "08:00", "12:00", "Sun")
	for _, tc := range []struct {
		name   string
		due    string
		roster []thankyou.StaffMember
		open   map[string]int
		last   string
		want   string // "" for nobody on duty
	}{
		{"both on duty, fewer open calls wins", "2026-11-23T15:00:00Z", []thankyou.StaffMember{paris, ny}, map[string]int{"paris": 2, "ny": 1}, "", "ny"},
		{"fewest open calls beats round-robin", "2026-11-23T15:00:00Z", []thankyou.StaffMember{paris, ny}, map[string]int{"paris": 0, "ny": 1}, "ny", "paris"},
		{"only Paris is at work in the morning UTC", "2026-11-23T08:30:00Z", []thankyou.StaffMember{paris, ny}, map[string]int{"paris": 9}, "", "paris"},
		{"only New York is at work in the evening UTC", "2026-11-23T20:00:00Z", []thankyou.StaffMember{paris, ny}, nil, "", "ny"},
		{"nobody works at night", "2026-11-24T03:00:00Z", []thankyou.StaffMember{paris, ny}, nil, "", ""},
		{"nobody works on Saturday", "2026-11-28T15:00:00Z", []thankyou.StaffMember{paris, ny}, nil, "", ""},
		{"an inactive member is skipped however free", "2026-11-23T15:00:00Z", []thankyou.StaffMember{inactive(paris), ny}, map[string]int{"ny": 50}, "", "ny"},
		{"only inactive members", "2026-11-23T15:00:00Z", []thankyou.StaffMember{inactive(paris), inactive(ny)}, nil, "", ""},
		{"empty roster", "2026-11-23T15:00:00Z", nil, nil, "", ""},
		{"an unknown zone is never on duty", "2026-11-23T15:00:00Z", []thankyou.StaffMember{member("x", "Mars/Base", "09:00", "17:00", "Mon-Fri"), ny}, map[string]int{"ny": 3}, "", "ny"},
		{"an empty zone is never on duty", "2026-11-23T15:00:00Z", []thankyou.StaffMember{member("x", "", "00:00", "24:00", "Mon-Sun")}, nil, "", ""},
		{"no hours: never on duty", "2026-11-23T15:00:00Z", []thankyou.StaffMember{member("x", "UTC", "9", "17:00", "Mon-Fri")}, nil, "", ""},
		{"hours are clamped to 08:00-21:00", "2026-11-23T22:00:00Z", []thankyou.StaffMember{member("owl", "UTC", "00:00", "24:00", "Mon-Sun")}, nil, "", ""},
		{"the end of a shift is excluded", "2026-11-23T22:00:00Z", []thankyou.StaffMember{ny}, nil, "", ""},
		{"the start of a shift is included", "2026-11-23T14:00:00Z", []thankyou.StaffMember{ny}, nil, "", "ny"},
		// 2026-03-08: New York moves to EDT (UTC-4) at 02:00.
		{"DST day: 12:30 UTC is 08:30 EDT, on duty", "2026-03-08T12:30:00Z", []thankyou.StaffMember{sunday}, nil, "", "sun"},
		{"DST day: 12:30 UTC would be 07:30 EST a day earlier", "2026-03-01T12:30:00Z", []thankyou.StaffMember{sunday}, nil, "", ""},
		{"DST day: 16:00 UTC is 12:00 EDT, shift over", "2026-03-08T16:00:00Z", []thankyou.StaffMember{sunday}, nil, "", ""},
		// 2026-10-25: Paris moves back to CET (UTC+1) at 03:00.
		{"DST end: 08:00 UTC is 09:00 CET on Sunday", "2026-10-25T08:00:00Z", []thankyou.StaffMember{member("p", "Europe/Paris", "09:00", "17:00", "Sun")}, nil, "", "p"},
		{"DST end: 07:30 UTC is 08:30 CET, not yet", "2026-10-25T07:30:00Z", []thankyou.StaffMember{member("p", "Europe/Paris", "09:00", "17:00", "Sun")}, nil, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := staff.Assign(utc(tc.due), tc.roster, tc.open, tc.last)
			if ok != (tc.want != "") || got != tc.want {
				t.Errorf("Assign = %q, %v; want %q, %v", got, ok, tc.want, tc.want != "")
			}
		})
	}
}

func TestTiedStaffTakeCallsInTurn(t *testing.T) {
	due := utc("2026-11-23T15:00:00Z")
	// Roster order does not matter: turns go by id.
	roster := []thankyou.StaffMember{
		member("cy", "UTC", "09:00", "17:00", "Mon-Fri"),
		member("ana", "UTC", "09:00", "17:00", "Mon-Fri"),
		inactive(member("bea", "UTC", "09:00", "17:00", "Mon-Fri")),
		member("bo", "UTC", "09:00", "17:00", "Mon-Fri"),
		member("dee", "UTC", "18:00", "20:00", "Mon-Fri"),
	}
	t.Run("calls that stay open", func(t *testing.T) {
		open := map[string]int{}
		last := ""
		var got []string
		for range 7 {
			id, ok := staff.Assign(due, roster, open, last)
			if !ok {
				t.Fatal("nobody assigned")
			}
			open[id]++
			got, last = append(got, id), id
		}
		if want := []string{"ana", "bo", "cy", "ana", "bo", "cy", "ana"}; !slices.Equal(got, want) {
			t.Errorf("assignments = %v, want %v", got, want)
		}
	})
	t.Run("calls that are made at once", func(t *testing.T) {
		last := ""
		var got []string
		for range 4 {
			id, _ := staff.Assign(due, roster, nil, last)
			got, last = append(got, id), id
		}
		if want := []string{"ana", "bo", "cy", "ana"}; !slices.Equal(got, want) {
			t.Errorf("assignments = %v, want %v", got, want)
		}
	})
	t.Run("the last one assigned left the roster", func(t *testing.T) {
		if got, _ := staff.Assign(due, roster, nil, "bz"); got != "cy" {
			t.Errorf("after bz: %q, want cy (the next id)", got)
		}
		if got, _ := staff.Assign(due, roster, nil, "zed"); got != "ana" {
			t.Errorf("after zed: %q, want ana (wrapping around)", got)
		}
	})
	t.Run("only the tied take turns", func(t *testing.T) {
		open := map[string]int{"ana": 1, "bo": 2, "cy": 1}
		if got, _ := staff.Assign(due, roster, open, "ana"); got != "cy" {
			t.Errorf("got %q, want cy (ana and cy tie; bo has more)", got)
		}
		if got, _ := staff.Assign(due, roster, open, "cy"); got != "ana" {
			t.Errorf("got %q, want ana (wrapping among the tied)", got)
		}
	})
}

func TestOnDutyUntilIsTheEndOfTheCurrentShift(t *testing.T) {
	paris := member("p", "Europe/Paris", "09:00", "17:30", "Mon-Fri")
	late := member("l", "America/New_York", "12:00", "23:00", "Sun")
	for _, tc := range []struct {
		name string
		m    thankyou.StaffMember
		at   string
		want string // "" when not on duty
	}{
		{"Paris in the morning", paris, "2026-11-23T08:15:00Z", "2026-11-23T16:30:00Z"},
		{"Paris in summer time", paris, "2026-07-01T08:15:00Z", "2026-07-01T15:30:00Z"},
		{"Paris after hours", paris, "2026-11-23T16:30:00Z", ""},
		{"Paris on Saturday", paris, "2026-11-28T10:00:00Z", ""},
		{"inactive", inactive(paris), "2026-11-23T10:00:00Z", ""},
		{"end clamped to 21:00, DST day in New York", late, "2026-03-08T17:00:00Z", "2026-03-09T01:00:00Z"},
		{"end clamped to 21:00, a winter Sunday", late, "2026-03-01T17:00:00Z", "2026-03-02T02:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := staff.OnDutyUntil(tc.m, utc(tc.at))
			if tc.want == "" {
				if ok {
					t.Errorf("OnDutyUntil = %v, true; want not on duty", got)
				}
				return
			}
			if !ok || !got.Equal(utc(tc.want)) {
				t.Errorf("OnDutyUntil = %v, %v; want %s, true", got, ok, tc.want)
			}
			if got.Location().String() != tc.m.TimeZone {
				t.Errorf("OnDutyUntil zone = %s, want the member's %s", got.Location(), tc.m.TimeZone)
			}
		})
	}
}

func FuzzAssign(f *testing.F) {
	f.Add(int64(1795446000), "Europe/Paris", "09:00", "17:00", "Mon-Fri", true, 1, "America/New_York", "08:00", "24:00", "Sat-Mon", true, 0, "a")
	f.Add(int64(1772973000), "America/New_York", "08:00", "12:00", "Sun", true, 3, "UTC", "00:00", "24:00", "Mon-Sun", false, 0, "")
	f.Add(int64(0), "Mars/Base", "9", "25:00", "", true, -1, "Local", "10:00", "10:00", "Someday", true, 2, "zzz")
	f.Fuzz(func(t *testing.T, unix int64, z1, s1, e1, d1 string, a1 bool, n1 int, z2, s2, e2, d2 string, a2 bool, n2 int, last string) {
		due := time.Unix(unix%(1<<34), 0) // within a few hundred years of 1970
		m1, m2 := member("a", z1, s1, e1, d1), member("b", z2, s2, e2, d2)
		m1.Active, m2.Active = a1, a2
		roster := []thankyou.StaffMember{m2, m1}
		open := map[string]int{"a": n1, "b": n2}
		id, ok := staff.Assign(due, roster, open, last)
		onDuty := map[string]bool{"a": staff.OnDuty(m1, due), "b": staff.OnDuty(m2, due)}
		if !ok {
			if id != "" || onDuty["a"] || onDuty["b"] {
				t.Fatalf("Assign = %q, false; on duty %v", id, onDuty)
			}
			return
		}
		if !onDuty[id] {
			t.Fatalf("Assign = %q, who is not on duty (%v)", id, onDuty)
		}
		for other, on := range onDuty {
			if on && open[other] < open[id] {
				t.Fatalf("Assign = %q with %d open calls; %q on duty has %d", id, open[id], other, open[other])
			}
		}
		until, ok := staff.OnDutyUntil(map[string]thankyou.StaffMember{"a": m1, "b": m2}[id], due)
		if !ok || !until.After(due) {
			t.Fatalf("OnDutyUntil = %v, %v; want after %v", until, ok, due)
		}
	})
}

func TestNextOnDutyAndAfterWorking(t *testing.T) {
	m := thankyou.StaffMember{ID: "ana", TimeZone: "Europe/Paris", Hours: thankyou.MustWindow("09:00-17:00 Mon-Fri"), Active: true}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	fri := time.Date(2026, 11, 27, 16, 0, 0, 0, paris)
	if got, ok := staff.NextOnDuty(m, fri.Add(2*time.Hour)); !ok || !got.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, paris)) {
		t.Errorf("NextOnDuty(Fri 18:00) = %v, %v; want Mon 09:00", got.In(paris), ok)
	}
	if got, ok := staff.AfterWorking(m, fri, 2*time.Hour); !ok || !got.Equal(time.Date(2026, 11, 30, 10, 0, 0, 0, paris)) {
		t.Errorf("AfterWorking(Fri 16:00, 2h) = %v, %v; want Mon 10:00", got.In(paris), ok)
	}
	off := m
	off.Active = false
	if _, ok := staff.NextOnDuty(off, fri); ok {
		t.Error("NextOnDuty of an inactive member is ok")
	}
	if _, ok := staff.AfterWorking(off, fri, time.Hour); ok {
		t.Error("AfterWorking of an inactive member is ok")
	}
}
