package polite

import (
	"strings"
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/us"
)

// countryHolidays are the public holidays of each country the holiday
// library (github.com/rickar/cal/v2) knows, by ISO 3166-1 code ("UK" is
// GB's common alias).
var countryHolidays = map[string][]*cal.Holiday{
	"US": us.Holidays, "CA": ca.Holidays, "GB": gb.Holidays, "UK": gb.Holidays, "IE": ie.Holidays,
	"DE": de.Holidays, "FR": fr.Holidays, "ES": es.Holidays, "IT": it.Holidays, "NL": nl.Holidays,
	"BE": be.Holidays, "AT": at.Holidays, "CH": ch.Holidays, "DK": dk.Holidays, "NO": no.Holidays,
	"SE": se.Holidays, "PL": pl.Holidays, "CZ": cz.Holidays, "NZ": nz.Holidays,
}

// regionHolidays are the holidays of the subdivisions the library knows,
// by ISO 3166-2 code; a region's list includes its country's.
var regionHolidays = map[string][]*cal.Holiday{
	"DE-BW": de.HolidaysBW, "DE-BY": de.HolidaysBY, "DE-BE": de.HolidaysBE, "DE-BB": de.HolidaysBB,
	"DE-HB": de.HolidaysHB, "DE-HH": de.HolidaysHH, "DE-HE": de.HolidaysHE, "DE-MV": de.HolidaysMV,
	"DE-NI": de.HolidaysNI, "DE-NW": de.HolidaysNW, "DE-RP": de.HolidaysRP, "DE-SL": de.HolidaysSL,
	"DE-SN": de.HolidaysSN, "DE-ST": de.HolidaysST, "DE-SH": de.HolidaysSH, "DE-TH": de.HolidaysTH,
	"AU-ACT": au.HolidaysACT, "AU-NSW": au.HolidaysNSW, "AU-NT": au.HolidaysNT, "AU-QLD": au.HolidaysQLD,
	"AU-SA": au.HolidaysSA, "AU-TAS": au.HolidaysTAS, "AU-VIC": au.HolidaysVIC, "AU-WA": au.HolidaysWA,
}

// holidaysFor returns the holidays of a region ("DE-BY": Bavaria's, which
// include Germany's) or, failing that, of its country ("US-FL": the US
// federal holidays; the library has no US state calendars).
func holidaysFor(region string) []*cal.Holiday {
	region = strings.ToUpper(region)
	if hs, ok := regionHolidays[region]; ok {
		return hs
	}
	country, _, _ := strings.Cut(region, "-")
	return countryHolidays[country]
}

// holidayCalendar answers which local dates are public holidays, over
// the lists of every country and region that applies to a recipient.
type holidayCalendar struct {
	lists [][]*cal.Holiday
	// days caches the holidays of the years asked so far.
	days  map[Date]string
	years map[int]bool
}

func newHolidayCalendar(regions []string) *holidayCalendar {
	c := &holidayCalendar{days: map[Date]string{}, years: map[int]bool{}}
	for _, r := range regions {
		if hs := holidaysFor(r); hs != nil {
			c.lists = append(c.lists, hs)
		}
	}
	return c
}

// counts reports whether a holiday of the library keeps people off work:
// public and bank holidays (not religious or other observances).
func counts(h *cal.Holiday) bool {
	return h.Type == cal.ObservancePublic || h.Type == cal.ObservanceBank
}

// holiday returns the name of the holiday on date d ("" when none): the
// day itself and the weekday on which it is observed both count.
func (c *holidayCalendar) holiday(d Date) string {
	if len(c.lists) == 0 {
		return ""
	}
	for _, y := range []int{d.Year - 1, d.Year, d.Year + 1} {
		if c.years[y] {
			continue
		}
		c.years[y] = true
		for _, list := range c.lists {
			for _, h := range list {
				if !counts(h) {
					continue
				}
				actual, observed := h.Calc(y)
				for _, t := range []time.Time{actual, observed} {
					if !t.IsZero() {
						k := DateOf(t)
						if _, dup := c.days[k]; !dup {
							c.days[k] = h.Name
						}
					}
				}
			}
		}
	}
	return c.days[d]
}
