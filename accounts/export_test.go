package accounts

import "time"

// SetClock makes the sign-in throttle read the time from now.
func (s *Store) SetClock(now func() time.Time) { s.gate.now = now }

// SetVerify replaces the password check of sign-ins (the real one is passed in, to wrap).
func (s *Store) SetVerify(verify func(check func(encoded, pw string) bool, encoded, pw string) bool) {
	s.gate.verify = func(encoded, pw string) bool { return verify(checkPassword, encoded, pw) }
}
