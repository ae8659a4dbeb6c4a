package trainer

// stopAsked reports whether a person asked the trial to stop (Stop is
// closed), without waiting.
func (c *Command) stopAsked() bool {
	select {
	case <-c.Stop:
		return true
	default:
		return false
	}
}
