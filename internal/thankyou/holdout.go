package thankyou

import (
	"math"
	"strconv"
	"strings"
)

// Share is the part of a shop's new customers held out of every
// thank-you to measure what the thank-yous do (see package effect), in
// basis points (0 to 5000, that is 0% to 50%); 0 holds nobody out.
type Share int

// MaxShare is the largest holdout a shop can set: half its customers.
const MaxShare Share = 5000

// ParseShare reads a share written "10%", "2.5%" or "0".
func ParseShare(s string) (Share, error) {
	t := strings.TrimSpace(s)
	if t == "0" {
		return 0, nil
	}
	num, ok := strings.CutSuffix(t, "%")
	if !ok {
		return 0, Errorf(EINVALID, "holdout %q: write a percentage, as 10%%", s)
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f*100 > float64(MaxShare) {
		return 0, Errorf(EINVALID, "holdout %q: a percentage from 0%% to %s", s, MaxShare)
	}
	return Share(math.Round(f * 100)), nil
}

// String writes the share as ParseShare reads it.
func (s Share) String() string {
	return strconv.FormatFloat(float64(s)/100, 'f', -1, 64) + "%"
}

// Fraction is the share as a number from 0 to 1.
func (s Share) Fraction() float64 { return float64(s) / 10000 }
