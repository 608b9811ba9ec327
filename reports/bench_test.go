package reports_test

import (
	"bytes"
	"testing"

	"github.com/kaoping/kaoping/reports"
)

// BenchmarkStaffReport renders the two-page staff report of the fixtures
// on one core and reports the PDF size.
func BenchmarkStaffReport(b *testing.B) {
	r := mustRenderer(b)
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if _, err := r.Staff(&buf, staffReport()); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1024, "KB/report")
}

// BenchmarkStaffReportParallel renders staff reports on every core, as a
// batch print does.
func BenchmarkStaffReportParallel(b *testing.B) {
	r := mustRenderer(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		var buf bytes.Buffer
		for pb.Next() {
			buf.Reset()
			if _, err := r.Staff(&buf, staffReport()); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkNewRenderer is the one-time cost of checking the font.
func BenchmarkNewRenderer(b *testing.B) {
	font := mustFont(b)
	for b.Loop() {
		if _, err := reports.NewRenderer(font); err != nil {
			b.Fatal(err)
		}
	}
}
