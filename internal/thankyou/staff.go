package thankyou

// StaffMember is one member of a shop's staff who may be asked to call
// customers: when they work and whether they take calls at all. Name and
// Phone are personal data: never logged or printed in clear.
type StaffMember struct {
	Source Source
	ShopID string
	// ID is a short slug naming the member within the shop ("ana").
	ID   string
	Name string
	// Phone is the member's number in E.164.
	Phone string
	// TimeZone is the IANA zone of the member's working hours.
	TimeZone string
	// Hours are the member's working hours (their shift) in TimeZone.
	Hours Window
	// Active is false for a member who takes no calls for now.
	Active bool
}
