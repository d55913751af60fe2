package thankyou_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/thankyoucalls/thankyoucalls/internal/thankyou"
)

func TestParseWindow(t *testing.T) {
	const (
		sun = 1 << iota
		mon
		tue
		wed
		thu
		fri
		sat
	)
	tests := []struct {
		start, end, days string
		wantStart        time.Duration
		wantEnd          time.Duration
		wantDays         int // bit set, bit i = time.Weekday(i)
		wantString       string
	}{
		{"10:00", "17:00", "Mon-Fri", 10 * time.Hour, 17 * time.Hour, mon | tue | wed | thu | fri, "10:00-17:00 Mon,Tue,Wed,Thu,Fri"},
		{"9:30", "12:45", "mon,wed,sat", 9*time.Hour + 30*time.Minute, 12*time.Hour + 45*time.Minute, mon | wed | sat, "09:30-12:45 Mon,Wed,Sat"},
		{"10:00", "17:00", "Sat-Mon", 10 * time.Hour, 17 * time.Hour, sat | sun | mon, "10:00-17:00 Mon,Sat,Sun"},
		{"10:00", "17:00", "Mon-Sun", 10 * time.Hour, 17 * time.Hour, 127, "10:00-17:00 Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
		{"10:00", "17:00", "MONDAY - friday", 10 * time.Hour, 17 * time.Hour, mon | tue | wed | thu | fri, "10:00-17:00 Mon,Tue,Wed,Thu,Fri"},
		{"10:00", "17:00", "Sunday, Tue-Wed", 10 * time.Hour, 17 * time.Hour, sun | tue | wed, "10:00-17:00 Tue,Wed,Sun"},
		{"10:00", "17:00", "Fri-Fri", 10 * time.Hour, 17 * time.Hour, fri, "10:00-17:00 Fri"},
		{"06:00", "23:00", "Mon-Fri", thankyou.LegalStart, thankyou.LegalEnd, mon | tue | wed | thu | fri, "08:00-21:00 Mon,Tue,Wed,Thu,Fri"},
		{" 00:00 ", "24:00", "Sat", thankyou.LegalStart, thankyou.LegalEnd, sat, "08:00-21:00 Sat"},
	}
	for _, tt := range tests {
		t.Run(tt.start+"-"+tt.end+" "+tt.days, func(t *testing.T) {
			w, err := thankyou.ParseWindow(tt.start, tt.end, tt.days)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if w.Start != tt.wantStart || w.End != tt.wantEnd {
				t.Errorf("got %v-%v, want %v-%v", w.Start, w.End, tt.wantStart, tt.wantEnd)
			}
			for d := range 7 {
				if got, want := w.Days[d], tt.wantDays&(1<<d) != 0; got != want {
					t.Errorf("Days[%v] = %v, want %v", time.Weekday(d), got, want)
				}
			}
			if got := w.String(); got != tt.wantString {
				t.Errorf("String() = %q, want %q", got, tt.wantString)
			}
		})
	}
}

func TestParseWindowRejectsBadValues(t *testing.T) {
	tests := []struct {
		start, end, days string
		wantInMessage    string
	}{
		{"25:00", "17:00", "Mon-Fri", "25:00"},
		{"10", "17:00", "Mon-Fri", `"10"`},
		{"ab:cd", "17:00", "Mon-Fri", "ab:cd"},
		{"10:60", "17:00", "Mon-Fri", "10:60"},
		{"10:00", "17:0", "Mon-Fri", "17:0"},
		{"10:00", "-1:00", "Mon-Fri", "-1:00"},
		{"10:00", "", "Mon-Fri", "end"},
		{"17:00", "10:00", "Mon-Fri", "17:00"},
		{"10:00", "10:00", "Mon-Fri", "10:00"},
		{"06:00", "07:30", "Mon-Fri", "07:30"}, // empty once clamped
		{"21:00", "23:00", "Mon-Fri", "21:00"},
		{"10:00", "17:00", "", "days"},
		{"10:00", "17:00", " , ", "days"},
		{"10:00", "17:00", "Funday", "Funday"},
		{"10:00", "17:00", "Mon-", "Mon-"},
		{"10:00", "17:00", "Mo-Fr", "Mo-Fr"},
		{"10:00", "17:00", "Mon-Wed-Fri", "Mon-Wed-Fri"},
	}
	for _, tt := range tests {
		t.Run(tt.start+"-"+tt.end+" "+tt.days, func(t *testing.T) {
			_, err := thankyou.ParseWindow(tt.start, tt.end, tt.days)
			var e *thankyou.Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseWindow error = %v, want a *thankyou.Error", err)
			}
			if e.Code != thankyou.EINVALID {
				t.Errorf("code = %q, want %q", e.Code, thankyou.EINVALID)
			}
			if !strings.Contains(e.Message, tt.wantInMessage) {
				t.Errorf("message %q does not name %q", e.Message, tt.wantInMessage)
			}
		})
	}
}

func FuzzParseWindow(f *testing.F) {
	for _, s := range [][3]string{
		{"10:00", "17:00", "Mon-Fri"},
		{"06:00", "23:00", "Mon-Sun"},
		{"9:30", "24:00", "sat-mon,wed"},
		{"17:00", "10:00", ""},
		{"", "", ","},
		{"10:00", "17:00", "Funday-Monday"},
	} {
		f.Add(s[0], s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, start, end, days string) {
		w, err := thankyou.ParseWindow(start, end, days)
		if err != nil {
			if w != (thankyou.Window{}) {
				t.Errorf("error %v with a non-zero window %v", err, w)
			}
			if thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Errorf("error code = %q, want %q", thankyou.ErrorCode(err), thankyou.EINVALID)
			}
			return
		}
		if w.Start < thankyou.LegalStart || w.End > thankyou.LegalEnd || w.Start >= w.End {
			t.Errorf("ParseWindow(%q, %q, %q) = %v, outside legal hours or empty", start, end, days, w)
		}
		if w.Days == [7]bool{} {
			t.Errorf("ParseWindow(%q, %q, %q) = %v, no days", start, end, days, w)
		}
		// The formatted window parses back to itself.
		hours, dayList, _ := strings.Cut(w.String(), " ")
		from, to, _ := strings.Cut(hours, "-")
		back, err := thankyou.ParseWindow(from, to, dayList)
		if err != nil || back != w {
			t.Errorf("ParseWindow(String() = %q) = %v, %v; want %v", w.String(), back, err, w)
		}
	})
}

func TestParseWindowTextReadsWhatStringWrites(t *testing.T) {
	for _, in := range [][3]string{{"10:00", "17:00", "Mon-Fri"}, {"09:00", "12:00", "Sat-Sun"}, {"08:00", "21:00", "Mon,Wed,Fri"}} {
		w, err := thankyou.ParseWindow(in[0], in[1], in[2])
		if err != nil {
			t.Fatal(err)
		}
		got, err := thankyou.ParseWindowText(w.String())
		if err != nil || got != w {
			t.Errorf("thankyou.ParseWindowText(%q) = %v, %v; want %v", w.String(), got, err, w)
		}
		start, end, days := w.Fields()
		if back, err := thankyou.ParseWindow(start, end, days); err != nil || back != w {
			t.Errorf("ParseWindow(Fields() = %q, %q, %q) = %v, %v; want %v", start, end, days, back, err, w)
		}
	}
}

func TestParseWindowText(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  string // part of the message; "" for none
	}{
		{"09:00-17:00 Mon-Fri", "09:00-17:00 Mon,Tue,Wed,Thu,Fri", ""},
		{" 9:00-17:00 Mon,Wed-Thu ", "09:00-17:00 Mon,Wed,Thu", ""},
		{"07:00-22:00 Sat", "08:00-21:00 Sat", ""},
		{"", "", ""},
		{"   ", "", ""},
		{"10:00 Mon", "", "10:00 Mon"},
		{"10:00-17:00", "", "10:00-17:00"},
		{"ten-five Mon", "", "ten"},
		{"10:00-17:00 Funday", "", "Funday"},
		{"06:00-07:00 Mon", "", "empty within the legal hours"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			w, err := thankyou.ParseWindowText(tt.in)
			if tt.wantErr != "" {
				var e *thankyou.Error
				if !errors.As(err, &e) || e.Code != thankyou.EINVALID || !strings.Contains(e.Message, tt.wantErr) {
					t.Fatalf("ParseWindowText(%q) = %v, %v; want an EINVALID error naming %q", tt.in, w, err, tt.wantErr)
				}
				return
			}
			if err != nil || w.String() != tt.want {
				t.Fatalf("ParseWindowText(%q) = %q, %v; want %q", tt.in, w, err, tt.want)
			}
			if w.IsZero() != (tt.want == "") {
				t.Errorf("IsZero() = %v for %q", w.IsZero(), tt.in)
			}
		})
	}
}

// A window travels as text in JSON (and so in stored documents and the
// operators' tool's output): the zero Window as "".
func TestWindowJSONIsText(t *testing.T) {
	type doc struct {
		Window thankyou.Window `json:"window"`
	}
	w, err := thankyou.ParseWindow("10:00", "17:00", "Mon-Fri")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		in   doc
		json string
	}{
		{doc{w}, `{"window":"10:00-17:00 Mon,Tue,Wed,Thu,Fri"}`},
		{doc{}, `{"window":""}`},
	} {
		b, err := json.Marshal(tt.in)
		if err != nil || string(b) != tt.json {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.json)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back != tt.in {
			t.Errorf("Unmarshal(%s) = %v, %v; want %v", b, back, err, tt.in)
		}
	}
	var bad doc
	if err := json.Unmarshal([]byte(`{"window":"10:00-17:00 Funday"}`), &bad); thankyou.ErrorCode(err) != thankyou.EINVALID {
		t.Errorf("Unmarshal of a bad window: %v, want an EINVALID error", err)
	}
}

func FuzzParseWindowText(f *testing.F) {
	for _, s := range []string{"10:00-17:00 Mon-Fri", "", "06:00-23:00 Sat-Mon,wed", "17:00-10:00 Mon", "10:00-17:00", "a-b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := thankyou.ParseWindowText(s)
		if err != nil {
			if !w.IsZero() || thankyou.ErrorCode(err) != thankyou.EINVALID {
				t.Errorf("ParseWindowText(%q) = %v, %v; want the zero Window and an EINVALID error", s, w, err)
			}
			return
		}
		if back, err := thankyou.ParseWindowText(w.String()); err != nil || back != w {
			t.Errorf("ParseWindowText(String() = %q) = %v, %v; want %v", w.String(), back, err, w)
		}
	})
}
