package ratings_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kaoping/kaoping/app/ratings"
)

func TestDecodeBatchKeepsRawTypes(t *testing.T) {
	t.Parallel()
	body := `{"ratings":[
	  {"external_id":"a","rated_at":"2026-06-30 10:00","channel":"窗口","item_code":"310100-001","staff_no":"1001",
	   "level":4,"reasons":["态度好","效率高"],"comment":"很好\n谢谢","is_default":false},
	  {"external_id":"b","rated_at":"2026-06-30T02:00:00Z","channel":"hotline","staff_ref":"W-01",
	   "level":"非常满意","reasons":"态度好；效率高","is_default":"否"},
	  {"external_id":"c","rated_at":"2026-06-30","channel":"online","staff_no":"1002","level":2.0,"reasons":null,
	   "comment":null,"is_default":1,"item_code":null}
	]}`
	got, err := ratings.DecodeBatch(strings.NewReader(body))
	if err != nil {
		t.Fatalf("DecodeBatch: %v", err)
	}
	want := []ratings.Input{
		{ExternalID: "a", RatedAt: "2026-06-30 10:00", Channel: "窗口", ItemCode: "310100-001", StaffNo: "1001",
			Level: json.Number("4"), Reasons: []string{"态度好", "效率高"}, Comment: "很好\n谢谢", IsDefault: false},
		{ExternalID: "b", RatedAt: "2026-06-30T02:00:00Z", Channel: "hotline", StaffRef: "W-01",
			Level: "非常满意", Reasons: "态度好；效率高", IsDefault: "否"},
		{ExternalID: "c", RatedAt: "2026-06-30", Channel: "online", StaffNo: "1002", Level: json.Number("2.0"),
			IsDefault: json.Number("1")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeBatch =\n%#v\nwant\n%#v", got, want)
	}

	// What DecodeBatch keeps, Validate understands.
	f := newFixture(t)
	rs, errs, err := f.svc.Validate(context.Background(), f.center.ID, got)
	if err != nil || len(errs) != 0 || len(rs) != 3 {
		t.Fatalf("Validate(decoded) = %d ratings, %v, %v", len(rs), errs, err)
	}
	if rs[0].Level != 4 || rs[1].Level != 5 || rs[2].Level != 2 || !rs[2].IsDefault || len(rs[1].Reasons) != 2 {
		t.Fatalf("decoded ratings: %+v", rs)
	}
}

func TestDecodeBatchEmptyList(t *testing.T) {
	t.Parallel()
	got, err := ratings.DecodeBatch(strings.NewReader(` {"ratings": []} `))
	if err != nil || got == nil || len(got) != 0 {
		t.Fatalf("DecodeBatch = %#v, %v; want an empty list", got, err)
	}
}

func TestDecodeBatchRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want []where
		has  string // in the first message
	}{
		{"empty body", ``, []where{{-1, ""}}, "empty"},
		{"malformed", `{"ratings":[{"external_id":"a",}]}`, []where{{-1, ""}}, "malformed JSON"},
		{"truncated", `{"ratings":[{"external_id":"a"`, []where{{-1, ""}}, "ends too early"},
		{"not an object", `[{"external_id":"a"}]`, []where{{-1, ""}}, "JSON object"},
		{"missing ratings", `{}`, []where{{-1, "ratings"}}, "missing"},
		{"misspelt ratings", `{"rating":[]}`, []where{{-1, "rating"}, {-1, "ratings"}}, "unknown field"},
		{"ratings null", `{"ratings":null}`, []where{{-1, "ratings"}}, "array"},
		{"ratings object", `{"ratings":{"a":[1,{"b":2}]}}`, []where{{-1, "ratings"}}, "array"},
		{"ratings twice", `{"ratings":[],"ratings":[]}`, []where{{-1, "ratings"}}, "twice"},
		{"trailing data", `{"ratings":[]} {}`, []where{{-1, ""}}, "after"},
		{"unknown field in a rating", `{"ratings":[{"external_id":"a"},{"external_id":"b","staf_no":"1001"}]}`,
			[]where{{1, "staf_no"}}, "unknown field"},
		{"rating not an object", `{"ratings":[{"external_id":"a"}, 42, "x"]}`, []where{{1, ""}, {2, ""}}, "number"},
		{"level as an object", `{"ratings":[{"external_id":"a","level":{"value":4}}]}`, []where{{0, "level"}}, "object"},
		{"level as a bool", `{"ratings":[{"level":true}]}`, []where{{0, "level"}}, "boolean"},
		{"comment as a number", `{"ratings":[{"comment":12}]}`, []where{{0, "comment"}}, "string"},
		{"staff_no as a number", `{"ratings":[{"staff_no":1001}]}`, []where{{0, "staff_no"}}, "string"},
		{"reasons with a number", `{"ratings":[{"reasons":["好",3]}]}`, []where{{0, "reasons"}}, "reasons[1]"},
		{"reasons as an object", `{"ratings":[{"reasons":{}}]}`, []where{{0, "reasons"}}, "object"},
		{"is_default as an array", `{"ratings":[{"is_default":[]}]}`, []where{{0, "is_default"}}, "array"},
		{"field twice", `{"ratings":[{"level":1,"level":2}]}`, []where{{0, "level"}}, "twice"},
		{"every problem reported", `{"extra":1,"ratings":[{"level":{}},{"comment":[],"x":1},{"external_id":"ok"}]}`,
			[]where{{-1, "extra"}, {0, "level"}, {1, "comment"}, {1, "x"}}, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ratings.DecodeBatch(strings.NewReader(tt.body))
			if got != nil {
				t.Errorf("inputs %v with an error, want nil", got)
			}
			errs := batchError(t, err)
			if w := wheres(errs); !slices.Equal(w, tt.want) {
				t.Fatalf("errors at %v, want %v (%v)", w, tt.want, errs)
			}
			if !strings.Contains(errs[0].Message, tt.has) {
				t.Errorf("message %q does not contain %q", errs[0].Message, tt.has)
			}
		})
	}
}

func TestDecodeBatchTooLarge(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString(`{"ratings":[`)
	for i := range ratings.MaxBatch + 1 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"external_id":"e-%d"}`, i)
	}
	b.WriteString(`]}`)
	body := b.String()
	if _, err := ratings.DecodeBatch(strings.NewReader(body)); !errors.Is(err, ratings.ErrTooLarge) {
		t.Fatalf("%d ratings: err = %v, want ErrTooLarge", ratings.MaxBatch+1, err)
	}
	// It stops at the first rating too many: what follows is not read.
	cut := strings.Index(body, fmt.Sprintf(`{"external_id":"e-%d"}`, ratings.MaxBatch)) + 3
	if _, err := ratings.DecodeBatch(strings.NewReader(body[:cut] + "garbage")); !errors.Is(err, ratings.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge before the garbage", err)
	}
	exact := strings.Replace(body, fmt.Sprintf(`,{"external_id":"e-%d"}`, ratings.MaxBatch), "", 1)
	in, err := ratings.DecodeBatch(strings.NewReader(exact))
	if err != nil || len(in) != ratings.MaxBatch {
		t.Fatalf("%d ratings: %d decoded, %v", ratings.MaxBatch, len(in), err)
	}
}

func TestDecodeBatchReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(`{"ratings":[`), iotest.ErrReader(boom))
	_, err := ratings.DecodeBatch(r)
	if !errors.Is(err, boom) || errors.Is(err, ratings.ErrInvalid) {
		t.Fatalf("err = %v, want the read error, not ErrInvalid", err)
	}
}
