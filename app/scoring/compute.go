package scoring

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Compute scores every person of in.People for in.Period; see
// docs/scoring.md for the method. It runs in time linear in the number of
// ratings and enrolments (plus sorting the people for ranks) and never
// fails: settings are validated when they are saved (Settings.Validate),
// not here, and a rating with a level outside 1–5 or a negative count is
// reported (RatingCounts.Invalid) and not counted.
func Compute(in Input) *Result {
	s := in.Settings
	s.Bands = slices.Clone(s.Bands) // the Result owns its copy
	res := &Result{
		Period:   in.Period.String(),
		Today:    in.Today,
		Settings: s,
		Channels: map[string]ChannelStat{},
		Scores:   make([]Score, len(in.People)),
	}

	// slot finds a StaffID's accumulator: one pass over the ratings and one
	// over the enrolments, no per-person scans.
	slot := newStaffIndex(in.People)
	acc := make([]personAcc, len(in.People))

	var chans channels
	c := &res.Ratings
	for i := range in.Ratings {
		r := &in.Ratings[i]
		k := r.Count
		if k <= 0 {
			k = 1 // 0 means one rating; a negative count is one invalid row
		}
		c.Received += k
		switch {
		case r.Level < 1 || r.Level > 5 || r.Count < 0:
			c.Invalid += k
			continue
		case r.IsDefault:
			c.Default += k
			continue
		case r.Excluded:
			c.Excluded += k
			continue
		}
		c.Counted += k
		// float64(…) rounds the product on its own: a fused multiply-add
		// would give other platforms other bits (see score).
		x := float64(float64(k) * s.Points[r.Level-1])
		ci := chans.index(r.Channel)
		chans.n[ci] += k
		chans.sum[ci] += x
		if r.PersonalExcluded {
			c.PersonalExcluded += k
			continue
		}
		if j, ok := slot.get(r.StaffID); ok {
			acc[j].addRating(ci, x, r.Level, k)
		}
	}
	for ci, code := range chans.codes {
		res.Channels[code] = ChannelStat{N: chans.n[ci], Sum: chans.sum[ci], Mean: chans.sum[ci] / float64(chans.n[ci])}
	}

	sp := in.Period.span()
	for i := range in.Enrolments {
		e := &in.Enrolments[i]
		j, ok := slot.get(e.StaffID)
		if !ok {
			continue
		}
		acc[j].addEnrolment(e, sp, in.Today)
	}

	for i, p := range in.People {
		j, _ := slot.get(p.StaffID)
		res.Scores[i] = score(p, &acc[j], &chans, s)
	}
	rank(res.Scores, s.MinRatingsForRank)
	return res
}

// staffIndex maps a StaffID to the index of the first person with it.
// Staff ids are database serials, so those of one center usually lie close
// together: then a slice indexed by id − min replaces the map, a plain
// load instead of hashing for each of millions of ratings (the benchmark
// runs a fifth faster). Scattered ids use the map.
type staffIndex struct {
	min   int64
	dense []int32 // index + 1; 0: nobody with this id
	byID  map[int64]int
}

func newStaffIndex(people []Person) staffIndex {
	if len(people) == 0 {
		return staffIndex{}
	}
	lo, hi := people[0].StaffID, people[0].StaffID
	for _, p := range people {
		lo, hi = min(lo, p.StaffID), max(hi, p.StaffID)
	}
	var x staffIndex
	if span := uint64(hi - lo); span < uint64(8*len(people)+1024) {
		x.min, x.dense = lo, make([]int32, span+1)
		for i := len(people) - 1; i >= 0; i-- { // the first of equal ids wins
			x.dense[people[i].StaffID-lo] = int32(i + 1)
		}
		return x
	}
	x.byID = make(map[int64]int, len(people))
	for i, p := range people {
		if _, dup := x.byID[p.StaffID]; !dup {
			x.byID[p.StaffID] = i
		}
	}
	return x
}

func (x *staffIndex) get(id int64) (int, bool) {
	if x.byID != nil {
		i, ok := x.byID[id]
		return i, ok
	}
	d := uint64(id - x.min)
	if d >= uint64(len(x.dense)) {
		return 0, false
	}
	i := x.dense[d]
	return int(i) - 1, i != 0
}

// channels are the center's totals per channel, indexed in order of first
// appearance.
type channels struct {
	codes  []string
	n      []int
	sum    []float64
	byCode map[string]int // used once there are many channels
}

// index returns the index of a channel code, adding it if new. A center has
// three channels, so a scan beats a map; the map is the fallback for odd
// input.
func (c *channels) index(code string) int {
	if c.byCode == nil {
		for i, k := range c.codes {
			if k == code {
				return i
			}
		}
		if len(c.codes) >= 8 {
			c.byCode = make(map[string]int)
			for i, k := range c.codes {
				c.byCode[k] = i
			}
		}
	}
	if c.byCode != nil {
		if i, ok := c.byCode[code]; ok {
			return i
		}
		c.byCode[code] = len(c.codes)
	}
	c.codes = append(c.codes, code)
	c.n = append(c.n, 0)
	c.sum = append(c.sum, 0)
	return len(c.codes) - 1
}

// personAcc accumulates one person's counted ratings and enrolments.
type personAcc struct {
	chans     []ownChannel
	n         int // counted ratings, all channels
	good, bad int

	grades       []float64
	gradeSum     float64
	overdueZeros int
	pending      int

	onTime, late, missed, notYetDue int
}

type ownChannel struct {
	ci  int
	n   int
	sum float64
}

// addRating adds k ratings at level in channel ci, worth x points together.
func (a *personAcc) addRating(ci int, x float64, level, k int) {
	a.n += k
	switch {
	case level >= 4:
		a.good += k
	case level <= 2:
		a.bad += k
	}
	for i := range a.chans {
		if a.chans[i].ci == ci {
			a.chans[i].n += k
			a.chans[i].sum += x
			return
		}
	}
	a.chans = append(a.chans, ownChannel{ci: ci, n: k, sum: x})
}

func (a *personAcc) addEnrolment(e *Enrolment, sp span, today string) {
	dueIn := sp.contains(e.Due)
	completed := e.CompletedOn != ""
	overdue := !completed && e.Due < today
	if dueIn {
		switch {
		case completed && e.CompletedOn <= e.Due:
			a.onTime++
		case completed:
			a.late++
		case overdue:
			a.missed++
		default:
			a.notYetDue++
		}
	}
	if e.HasQuiz && (dueIn || sp.contains(e.CompletedOn)) {
		switch {
		case e.Grade != nil:
			a.grades = append(a.grades, *e.Grade)
			a.gradeSum += *e.Grade
		case overdue && !e.Attempted:
			a.overdueZeros++
		default:
			a.pending++
		}
	}
}

// score turns one person's accumulator into their Score (without ranks).
func score(p Person, a *personAcc, chans *channels, s Settings) Score {
	sc := Score{
		StaffID: p.StaffID, TeamID: p.TeamID, StaffNo: p.StaffNo, Name: p.Name, Team: p.Team,
		NRatings: a.n,
		Channels: make(map[string]ChannelScore, len(a.chans)),
	}
	ex := &sc.Explain

	// Satisfaction: shrinkage per channel, then the n-weighted mean.
	slices.SortFunc(a.chans, func(x, y ownChannel) int { return strings.Compare(chans.codes[x.ci], chans.codes[y.ci]) })
	ex.Satisfaction.Terms = make([]ChannelTerm, 0, len(a.chans))
	var f strings.Builder
	var weighted float64
	for _, oc := range a.chans {
		code := chans.codes[oc.ci]
		m := chans.sum[oc.ci] / float64(chans.n[oc.ci])
		n := float64(oc.n)
		// float64(…) around a product forbids a fused multiply-add, so
		// every platform computes the same bits (an issued score can be
		// recomputed anywhere).
		v := (float64(s.Prior*m) + oc.sum) / (s.Prior + n)
		mean := oc.sum / n
		sc.Channels[code] = ChannelScore{N: oc.n, Sum: oc.sum, Mean: &mean, M: m, C: s.Prior, Score: v}
		ex.Satisfaction.Terms = append(ex.Satisfaction.Terms, ChannelTerm{Channel: code, N: oc.n, Score: v})
		ex.Satisfaction.N += oc.n
		weighted += float64(n * v)
		if f.Len() > 0 {
			f.WriteString("; ")
		}
		f.WriteString(code + ": (" + num(s.Prior) + "×" + num(m) + " + " + num(oc.sum) + ") / (" + num(s.Prior) + " + " + strconv.Itoa(oc.n) + ") = " + num(v))
	}
	switch terms := ex.Satisfaction.Terms; len(terms) {
	case 0:
	case 1:
		sc.Satisfaction = ptr(terms[0].Score)
	default:
		v := weighted / float64(ex.Satisfaction.N)
		sc.Satisfaction = &v
		f.WriteString("; (")
		for k, t := range terms {
			if k > 0 {
				f.WriteString(" + ")
			}
			f.WriteString(strconv.Itoa(t.N) + "×" + num(t.Score))
		}
		f.WriteString(") / " + strconv.Itoa(ex.Satisfaction.N) + " = " + num(v))
	}
	ex.Satisfaction.Formula = f.String()

	// Competence: mean grade, overdue unattempted quizzes as 0.
	ce := &ex.Competence
	ce.Grades = append([]float64{}, a.grades...)
	ce.OverdueZeros, ce.Pending, ce.Sum = a.overdueZeros, a.pending, a.gradeSum
	ce.Counted = len(a.grades) + a.overdueZeros
	if ce.Counted > 0 {
		v := ce.Sum / float64(ce.Counted)
		sc.Competence = &v
		terms := make([]string, 0, ce.Counted)
		for _, g := range ce.Grades {
			terms = append(terms, num(g))
		}
		for range ce.OverdueZeros {
			terms = append(terms, "0")
		}
		ce.Formula = "(" + strings.Join(terms, " + ") + ") / " + strconv.Itoa(ce.Counted) + " = " + num(v)
	}

	// Training: completed on time among those due and decided.
	te := &ex.Training
	te.OnTime, te.Late, te.Missed, te.NotYetDue = a.onTime, a.late, a.missed, a.notYetDue
	te.Due = a.onTime + a.late + a.missed
	if te.Due > 0 {
		v := 100 * float64(te.OnTime) / float64(te.Due)
		sc.Training = &v
		te.Formula = "100 × " + strconv.Itoa(te.OnTime) + " / " + strconv.Itoa(te.Due) + " = " + num(v)
	}

	// Quality: weights of the components present, renormalized.
	qe := &ex.Quality
	qe.BaseWeights = s.Weights
	qe.Present = []string{}
	comps := []struct {
		name string
		w    float64
		v    *float64
		used *float64
	}{
		{ComponentSatisfaction, s.Weights.Satisfaction, sc.Satisfaction, &qe.Weights.Satisfaction},
		{ComponentCompetence, s.Weights.Competence, sc.Competence, &qe.Weights.Competence},
		{ComponentTraining, s.Weights.Training, sc.Training, &qe.Weights.Training},
	}
	var sw, swx float64
	var terms []string
	for _, c := range comps {
		if c.v == nil {
			continue
		}
		qe.Present = append(qe.Present, c.name)
		if c.w > 0 {
			sw += c.w
			swx += float64(c.w * *c.v)
			terms = append(terms, num(c.w)+"×"+num(*c.v))
		}
	}
	if sw > 0 {
		for _, c := range comps {
			if c.v != nil && c.w > 0 {
				*c.used = c.w / sw
			}
		}
		q := swx / sw
		sc.Quality = &q
		if math.Abs(sw-1) < 1e-12 {
			qe.Formula = strings.Join(terms, " + ") + " = " + num(q)
		} else {
			qe.Formula = "(" + strings.Join(terms, " + ") + ") / " + num(sw) + " = " + num(q)
		}
		b := s.BandOf(q)
		sc.Band, sc.BandKey = b.Name, b.Key
	}
	sc.QualityDisplay = Format1(sc.Quality)

	// Good and bad rates.
	ex.Rates = RatesExplain{N: a.n, Good: a.good, Bad: a.bad, Z: s.Z}
	if a.n > 0 {
		n := float64(a.n)
		sc.GoodRate = ptr(float64(a.good) / n)
		sc.BadRate = ptr(float64(a.bad) / n)
		sc.BadRateUpper = ptr(WilsonUpper(a.bad, a.n, s.Z))
	}
	return sc
}

func ptr[T any](v T) *T { return &v }

// rank sets RankCenter and RankTeam by competition ranking (1, 2, 2, 4) of
// the rounded quality, so that equal printed scores share a rank, among
// people with quality and at least minRatings counted ratings.
func rank(scores []Score, minRatings int) {
	type entry struct {
		i    int
		q    float64
		team int64
	}
	var es []entry
	for i := range scores {
		s := &scores[i]
		if s.Quality != nil && s.NRatings >= minRatings {
			es = append(es, entry{i: i, q: Round1(*s.Quality), team: s.TeamID})
		}
	}
	byQuality := func(a, b entry) int { return cmp.Compare(b.q, a.q) }
	// setRanks ranks a group sorted best first: a tie takes the rank of
	// the first of its equals, the next rank skips as many.
	setRanks := func(group []entry, set func(s *Score, r *int)) {
		r := 0
		for k, e := range group {
			if k == 0 || e.q != group[k-1].q {
				r = k + 1
			}
			set(&scores[e.i], ptr(r))
		}
	}

	slices.SortStableFunc(es, byQuality)
	setRanks(es, func(s *Score, r *int) { s.RankCenter = r })

	slices.SortStableFunc(es, func(a, b entry) int {
		if c := cmp.Compare(a.team, b.team); c != 0 {
			return c
		}
		return byQuality(a, b)
	})
	for k := 0; k < len(es); {
		end := k + 1
		for end < len(es) && es[end].team == es[k].team {
			end++
		}
		if es[k].team != 0 {
			setRanks(es[k:end], func(s *Score, r *int) { s.RankTeam = r })
		}
		k = end
	}
}
