package effect

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteText writes the report as the operators' tool prints it: a table
// of the groups, then each channel's comparison and verdict.
func WriteText(w io.Writer, rep Report) error {
	fmt.Fprintf(w, "customers whose first order was placed %s to %s, repeat orders within %d days (%d more still within their window, not counted)\n\n",
		rep.Since.Format("2006-01-02"), rep.Until.Format("2006-01-02"), rep.WithinDays, rep.Waiting)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tCUSTOMERS\tREPEATERS\tREPEAT RATE (95% CI)\tORDERS/CUSTOMER\tREVENUE/CUSTOMER")
	for _, g := range rep.Groups {
		var rev []string
		for _, r := range g.Revenue {
			rev = append(rev, strconv.FormatFloat(r.PerCustomer, 'f', 2, 64)+" "+r.Currency)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s%% (%s to %s)\t%.3f\t%s\n", g.Name, g.Customers, g.Repeaters,
			oneDecimal(100*g.RepeatRate), oneDecimal(100*g.RateCI.Low), oneDecimal(100*g.RateCI.High), g.OrdersPerCustomer, strings.Join(rev, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, c := range rep.Comparisons {
		fmt.Fprintf(w, "\n%s: %s\n", c.Channel, c.Verdict)
		for _, r := range c.Revenue {
			fmt.Fprintf(w, "  revenue per customer %s %s (95%% CI %s to %s)\n", r.Currency,
				signedMoney(r.Difference), signedMoney(r.CI.Low), signedMoney(r.CI.High))
		}
	}
	return nil
}

func signedMoney(x float64) string {
	s := strconv.FormatFloat(x, 'f', 2, 64)
	if x >= 0 {
		return "+" + s
	}
	return s
}
