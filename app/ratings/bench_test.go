package ratings_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/kaoping/kaoping/app/ratings"
)

// benchBatch is a batch of MaxBatch realistic ratings over 50 people, two
// service items and the three channels, some referring to the person by
// staff number and some by external id.
func benchBatch(b *testing.B, f *fixture) []ratings.Input {
	b.Helper()
	for i := range 50 {
		no := strconv.Itoa(2000 + i)
		f.person(b, no, fmt.Sprintf("员工%02d", i), "EXT-"+no)
	}
	channels := []string{"窗口", "一网通办", "12345"}
	words := []any{"非常满意", "满意", 3, json4(), "不满意"}
	in := make([]ratings.Input, ratings.MaxBatch)
	for i := range in {
		no := strconv.Itoa(2000 + i%50)
		x := ratings.Input{
			RatedAt:   fmt.Sprintf("2026-06-%02d %02d:%02d:00", 1+i%30, 8+i%10, i%60),
			Channel:   channels[i%3],
			ItemCode:  []string{"310100-001", "310100-004", ""}[i%3],
			Level:     words[i%5],
			Reasons:   "态度好；效率高",
			Comment:   "工作人员解释得很清楚，办事效率高，点赞𠮷",
			IsDefault: i%10 == 0,
		}
		if i%4 == 0 {
			x.StaffRef = "EXT-" + no
		} else {
			x.StaffNo = no
		}
		in[i] = x
	}
	return in
}

func json4() any { return 4.0 }

// BenchmarkIngest stores batches of MaxBatch new ratings, as the API does
// for one full request (SQLite by default; PostgreSQL with KAOPING_TEST_PG).
func BenchmarkIngest(b *testing.B) {
	f := newFixture(b)
	in := benchBatch(b, f)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for i := range in {
			in[i].ExternalID = "B" + strconv.Itoa(n) + "-" + strconv.Itoa(i)
		}
		res, err := f.svc.Ingest(ctx, f.center.ID, in, ratings.SourceAPI)
		if err != nil {
			b.Fatal(err)
		}
		if res.Imported != len(in) {
			b.Fatalf("imported %d of %d", res.Imported, len(in))
		}
		n++
	}
	b.ReportMetric(float64(n*len(in))/b.Elapsed().Seconds(), "ratings/s")
}

// BenchmarkIngestResend sends the same full batch again and again: every
// rating a duplicate, as after an upstream retry.
func BenchmarkIngestResend(b *testing.B) {
	f := newFixture(b)
	in := benchBatch(b, f)
	for i := range in {
		in[i].ExternalID = "R-" + strconv.Itoa(i)
	}
	ctx := context.Background()
	if _, err := f.svc.Ingest(ctx, f.center.ID, in, ratings.SourceAPI); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		res, err := f.svc.Ingest(ctx, f.center.ID, in, ratings.SourceAPI)
		if err != nil {
			b.Fatal(err)
		}
		if res.Duplicates != len(in) {
			b.Fatalf("duplicates %d of %d", res.Duplicates, len(in))
		}
		n++
	}
	b.ReportMetric(float64(n*len(in))/b.Elapsed().Seconds(), "ratings/s")
}
