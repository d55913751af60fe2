package thankyou

import "testing"

func TestParseShare(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Share
		ok   bool
	}{
		{"10%", 1000, true}, {"2.5%", 250, true}, {"0", 0, true}, {"0%", 0, true}, {"50%", 5000, true},
		{"51%", 0, false}, {"10", 0, false}, {"-1%", 0, false}, {"x%", 0, false}, {"NaN%", 0, false},
	} {
		got, err := ParseShare(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseShare(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if err == nil {
			if back, _ := ParseShare(got.String()); back != got {
				t.Errorf("%q: String %q does not read back", tc.in, got.String())
			}
		}
	}
}

func FuzzParseShare(f *testing.F) {
	for _, s := range []string{"10%", "0", "2.5%", "1e3%", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sh, err := ParseShare(s)
		if err != nil {
			return
		}
		if sh < 0 || sh > MaxShare {
			t.Fatalf("ParseShare(%q) = %d, out of range", s, sh)
		}
	})
}
