package audit

// SeverityLabel names a finding's severity for people.
func SeverityLabel(s string) string {
	switch s {
	case "major":
		return "Major nonconformity"
	case "minor":
		return "Minor nonconformity"
	case "observation":
		return "Observation"
	case "improvement":
		return "Opportunity for improvement"
	}
	return "Unknown severity"
}

// EvidenceKindLabel names a kind of evidence for people.
func EvidenceKindLabel(k string) string {
	switch k {
	case "note":
		return "Note"
	case "link":
		return "Link"
	case "text":
		return "Quoted text"
	}
	return "Evidence"
}
