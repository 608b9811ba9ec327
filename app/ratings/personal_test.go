package ratings_test

import (
	"context"
	"testing"
	"time"

	"github.com/kaoping/kaoping/app/ratings"
)

func TestParsePhoneAndIDNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {" 138 1234-1234 ", "13812341234"}, {"１３８１２３４１２３４", "13812341234"},
		{"+86 138 1234 1234", "+8613812341234"}, {"(021) 6321-1234", "02163211234"},
	} {
		got, err := ratings.ParsePhone(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ratings.ParsePhone(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"1234", "138x1234", "1+3812341234", "123456789012345678901"} {
		if _, err := ratings.ParsePhone(in); err == nil {
			t.Errorf("ratings.ParsePhone(%q): no error", in)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"11010119900307123x", "11010119900307123X"}, {"110101900307123", "110101900307123"},
	} {
		got, err := ratings.ParseIDNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ratings.ParseIDNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, in := range []string{"1101011990030712", "X10101199003071234", "11010119900307123Y"} {
		if _, err := ratings.ParseIDNumber(in); err == nil {
			t.Errorf("ratings.ParseIDNumber(%q): no error", in)
		}
	}
}

func TestMask(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"13812341234", "138****1234"}, {"+8613812341234", "+86*******1234"}, {"12345", "***45"}, {"", ""},
	} {
		if got := ratings.MaskPhone(tc.in); got != tc.want {
			t.Errorf("ratings.MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := ratings.MaskIDNumber("110101199003071234"); got != "110***********1234" {
		t.Errorf("ratings.MaskIDNumber = %q", got)
	}
}

func TestPersonalDataStoredMaskedAndPurged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	in := []ratings.Input{good("P1"), good("P2"), good("P3")}
	in[0].CitizenPhone, in[0].CitizenIDNumber = "138 1234 1234", "11010119900307123x"
	in[2].CitizenPhone = "12"
	ingest(t, f, in[:2])
	_, err := f.svc.Ingest(ctx, f.center.ID, in[2:], ratings.SourceAPI)
	if errs := batchError(t, err); len(errs) != 1 || errs[0].Field != "citizen_phone" {
		t.Fatalf("errors = %v, want one citizen_phone error", errs)
	}
	rs, err := f.svc.StaffRatings(ctx, f.staffID(t, "1001"), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var withData *ratings.Rating
	for i := range rs {
		if rs[i].ExternalID == "P1" {
			withData = &rs[i]
		} else if rs[i].HasPersonal() {
			t.Errorf("%s has personal data it was not given", rs[i].ExternalID)
		}
	}
	if withData == nil || withData.CitizenPhone == nil || *withData.CitizenPhone != "13812341234" ||
		withData.CitizenIDNumber == nil || *withData.CitizenIDNumber != "11010119900307123X" {
		t.Fatalf("stored personal data wrong: %+v", withData)
	}
	if p, id := withData.Masked(); p != "138****1234" || id != "110***********123X" {
		t.Errorf("Masked() = %q, %q", p, id)
	}

	// Received before the cut-off: purged, the rating kept.
	n, err := f.svc.PurgePersonal(ctx, f.center.ID, withData.ReceivedAt)
	if err != nil || n != 0 {
		t.Fatalf("purge before receipt: n = %d, %v; want 0", n, err)
	}
	n, err = f.svc.PurgePersonal(ctx, f.center.ID, withData.ReceivedAt.Add(time.Second))
	if err != nil || n != 1 {
		t.Fatalf("purge: n = %d, %v; want 1", n, err)
	}
	r, err := f.svc.Rating(ctx, f.center.ID, withData.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.HasPersonal() || r.ExternalID != "P1" || r.Level != withData.Level {
		t.Errorf("after purge: %+v", r)
	}
}
