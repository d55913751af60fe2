package thankyou

import "testing"

func TestRegion(t *testing.T) {
	for _, tt := range []struct{ country, sub, want string }{
		{"US", "FL", "US-FL"},
		{"us", " fl ", "US-FL"},
		{"US", "US-FL", "US-FL"},
		{"CA", "ON", "CA-ON"},
		{"AU", "NSW", "AU-NSW"},
		{"GB", "LND", "GB-LND"},
		{"", "FL", ""},
		{"US", "", ""},
		{"USA", "FL", ""},
		{"US", "Florida", ""},
		{"US", "F-L", ""},
		{"U1", "FL", ""},
		{"DE", "CA-ON", ""},
	} {
		if got := Region(tt.country, tt.sub); got != tt.want {
			t.Errorf("Region(%q, %q) = %q, want %q", tt.country, tt.sub, got, tt.want)
		}
	}
}

func TestCheckRegion(t *testing.T) {
	for _, ok := range []string{"", "US-FL", "CA-ON", "AU-NSW"} {
		if err := CheckRegion(ok); err != nil {
			t.Errorf("CheckRegion(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"FL", "us-fl", "US-", "US-FLOR", "USA-FL", "US FL"} {
		if CheckRegion(bad) == nil {
			t.Errorf("CheckRegion(%q) accepted", bad)
		}
	}
}

func FuzzRegion(f *testing.F) {
	for _, s := range [][2]string{{"US", "FL"}, {"us", "us-fl"}, {"CA", "ON"}, {"", ""}, {"U", "ÉÉ"}, {"AU", "NSW"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, country, sub string) {
		r := Region(country, sub)
		if err := CheckRegion(r); err != nil {
			t.Fatalf("Region(%q, %q) = %q: %v", country, sub, r, err)
		}
	})
}
