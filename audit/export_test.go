package audit

// Allocate exposes the allocation step to the tests.
var Allocate = allocate
