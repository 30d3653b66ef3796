package kb

// DroppedEvents returns how many buffered usage events (views, searches) were dropped because
// the buffer was full since the process started.
func (s *Store) DroppedEvents() int64 { return 0 }
