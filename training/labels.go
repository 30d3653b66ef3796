package training

// ReasonLabel names an authority reason for people.
func ReasonLabel(reason string) string {
	switch reason {
	case ReasonCertified:
		return "Certified"
	case ReasonNotRequired:
		return "No certification required"
	case ReasonNotCertified:
		return "Not certified"
	case ReasonExpired:
		return "Certification expired"
	case ReasonRevoked:
		return "Certification revoked"
	case ReasonRecertificationRequired:
		return "Recertification required"
	case ReasonSuspended:
		return "Suspended"
	case ReasonNotFulfilled:
		return "Not fulfilled by the supplier"
	case "unknown":
		return "Authority unknown"
	}
	return "Other reason"
}
