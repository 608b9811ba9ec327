package demo

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"time"

	"github.com/kaoping/kaoping/app"
	"github.com/kaoping/kaoping/app/ratings"
)

// demoMonths is how many months back the demo's ratings reach, the current
// month included, so the score pages have a trend to show.
const demoMonths = 4

// seedRatings gives every demo person a few weeks of citizen ratings per
// month: mostly good, some neutral, a few bad (which open cases and notify
// the person), now and then a default rating — the same every time (the
// external ids make a re-seed a no-op) and never dated in the future. One
// window clerk collects two bad ratings on one item in the current month,
// so the closed loop has something to show.
func seedRatings(ctx context.Context, a *app.App, centerID int64, today time.Time) error {
	rows, err := csv.NewReader(bytes.NewReader(staffCSV)).ReadAll()
	if err != nil {
		return err
	}
	items := []string{"310100-001", "310100-002", "310100-003", "310100-004", "310100-005", "310100-006"}
	channelOf := map[string]string{"window": "offline", "online": "online", "hotline": "hotline"}
	var batch []ratings.Input
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := a.Ratings().Ingest(ctx, centerID, batch, ratings.SourceAPI)
		batch = batch[:0]
		return err
	}
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, today.Location()).AddDate(0, -(demoMonths - 1), 0)
	for _, r := range rows[1:] {
		no, team := r[0], r[2]
		h := fnv.New64a()
		h.Write([]byte(no))
		rng := rand.New(rand.NewPCG(h.Sum64(), 2026))
		skill := rng.Float64() // some people are rated better than others
		for m := 0; m < demoMonths; m++ {
			month := first.AddDate(0, m, 0)
			n := 6 + rng.IntN(14)
			for i := 0; i < n; i++ {
				at := month.Add(time.Duration(rng.IntN(27*24)+8) * time.Hour).Add(time.Duration(rng.IntN(60)) * time.Minute)
				if !at.Before(today) {
					continue
				}
				x := rng.Float64()
				level := 5
				switch {
				case x < 0.03+0.05*(1-skill):
					level = 1 + rng.IntN(2)
				case x < 0.15:
					level = 3
				case x < 0.45+0.2*(1-skill):
					level = 4
				}
				in := ratings.Input{ExternalID: fmt.Sprintf("DEMO-%s-%s-%02d", no, month.Format("200601"), i),
					RatedAt: at.Format(time.DateTime), Channel: channelOf[team], ItemCode: items[rng.IntN(len(items))],
					StaffNo: no, Level: level}
				if rng.IntN(25) == 0 {
					in.IsDefault = true
					in.Level = 5
				}
				if level <= 2 {
					in.Reasons = []string{"等候时间长", "解释不清", "态度生硬"}[rng.IntN(3)]
					in.Comment = []string{"排队一个多小时才办上。", "材料要求前后说法不一致。", "电话里没说清楚要带什么。"}[rng.IntN(3)]
				}
				batch = append(batch, in)
				if len(batch) == 1000 {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	// W004 刘洋: two bad ratings on 企业设立登记 this month → retraining.
	for i, d := range []int{3, 1} {
		at := today.AddDate(0, 0, -d)
		if at.Month() != today.Month() {
			continue
		}
		batch = append(batch, ratings.Input{ExternalID: fmt.Sprintf("DEMO-LOOP-%s-%d", today.Format("200601"), i),
			RatedAt: at.Format(time.DateTime), Channel: "offline", ItemCode: "310100-001", StaffNo: "W004", Level: 1,
			Reasons: "材料一次性告知不到位", Comment: "第二次来才知道还缺章程。"})
	}
	return flush()
}
