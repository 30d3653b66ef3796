// Package attest holds the vocabulary every layer shares: the error type that carries a
// user-facing code and message from the domain packages to the HTTP layer.
package attest

import (
	"errors"
	"fmt"
)

// Error codes a user may see. Handlers map them to HTTP statuses in one place.
const (
	EINVALID   = "validation_failed"  // well-formed but invalid input (422)
	EBADREQ    = "bad_request"        // malformed input (400)
	ENOTFOUND  = "not_found"          // unknown, or not visible to the caller (404)
	EFORBIDDEN = "forbidden"          // the caller may not do this (403)
	EUNAUTH    = "unauthorized"       // no or bad credentials (401)
	ECONFLICT  = "conflict"           // the state does not allow it (409)
	EMETHOD    = "method_not_allowed" // the path exists for other methods (405)
	ESTALE     = "stale_base"         // a save or approval on a base older than the current version (409)
	EAGREEMENT = "agreement_required"
	// ECMDBAGREEMENT: the CMDB agreement is not accepted, or none is published (403).
	ECMDBAGREEMENT = "cmdb_agreement_required"
	// EQUOTA: a daily quota is used up (429, with RetryAfter).
	EQUOTA     = "quota_exceeded"
	ETHROTTLED = "throttled" // too many attempts (429)
	ETOOLARGE  = "too_large" // request body over the limit (413)
	EINTERNAL  = "internal"  // anything else (500); its message is never shown
)

// Codes of the identity rules (issue 17), both answered with 403.
const (
	EPASSWORD = "password_change_required" // a temporary password must be changed first
	ESCOPE    = "scope_required"           // a service account's token lacks the call's scope
)

// Error is an error a user may see: a code, a safe message, the fields it concerns and,
// for some codes, extra data the API returns beside the error (a stale base's diff).
type Error struct {
	Code    string
	Message string
	Fields  map[string]string // field name → what is wrong with it
	Extra   map[string]any    // added to the API answer at the top level
	// RetryAfter is the number of seconds to wait, for ETHROTTLED.
	RetryAfter int
}

func (e *Error) Error() string {
	return fmt.Sprintf("attest error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error naming the fields that are wrong.
func FieldError(fields map[string]string) *Error {
	msg := "Some fields are not valid."
	if len(fields) == 1 {
		for f, why := range fields {
			msg = fmt.Sprintf("%s: %s.", f, why)
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// ErrorCode returns the code of the Error in err's chain, EINTERNAL for any other error and
// "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-facing message of the Error in err's chain, or a generic one.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. It has been logged; please try again."
}
