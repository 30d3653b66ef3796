package accounts

// Label names a risk class for people.
func (r Risk) Label() string {
	switch r {
	case RiskLow:
		return "Low risk"
	case RiskMedium:
		return "Medium risk"
	case RiskHigh:
		return "High risk"
	}
	return "Unknown risk"
}
