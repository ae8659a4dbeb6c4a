package results

import "errors"

// Lease is a worker's claim on one trial: the trial as proposed (number,
// round, params, seed) and which attempt this is. A claim is identified by
// worker and attempt together, so a worker whose claim was taken away and
// given to someone else (even to itself again) can never report it.
type Lease struct {
	Trial   Trial
	Worker  string
	Attempt int // 1 for the first run, 2 for the first retry, …
}

// TrialProgress is a trial as early stopping sees it in a shared study.
type TrialProgress struct {
	Number, Round int
	Status        Status
	Worker        string // who runs or last ran it; "" when never claimed
	Attempt       int
	Reports       []Reported // the current attempt's, in step order
}

// ErrUnavailable is wrapped by a queue's errors when the store could not be
// reached (connection refused or lost, server restarting): the same call
// may succeed later. Every other error means the call itself was wrong.
var ErrUnavailable = errors.New("store unavailable")
