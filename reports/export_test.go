package reports

// SetRecorder makes r hand every string it prints to record as well, so
// the tests can check that the font covers all of them.
func SetRecorder(r *Renderer, record func(string)) { r.record = record }
