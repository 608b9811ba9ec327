package reports_test

import (
	"time"

	"github.com/kaoping/kaoping/reports"
)

func f(v float64) *float64 { return &v }
func i(v int) *int         { return &v }
func b(v bool) *bool       { return &v }

var (
	shanghai = time.FixedZone("CST", 8*3600)
	genAt    = time.Date(2026, 8, 3, 1, 30, 0, 0, time.UTC) // 09:30 in Shanghai
)

func meta() reports.Meta {
	return reports.Meta{
		CenterName:  "临江市政务服务中心",
		Period:      "2026-07",
		PeriodLabel: "2026年7月",
		IssueNo:     2,
		GeneratedAt: genAt,
		GeneratedBy: "人力资源部 李娜",
		Location:    shanghai,
	}
}

// staffReport is a complete one-page-ish report of 徐喆.
func staffReport() *reports.StaffReport {
	return &reports.StaffReport{
		Meta:    meta(),
		StaffNo: "S0017", Name: "徐喆", Team: "综合受理窗口组",
		Quality: f(82.85), Band: "称职",
		Components: []reports.Component{
			{Key: "satisfaction", Label: "群众满意度", Value: f(86.44), BaseWeight: 0.5, Weight: 0.5, Explain: "各渠道修正得分按评价数加权"},
			{Key: "competence", Label: "业务能力", Value: f(78.25), BaseWeight: 0.3, Weight: 0.3, Explain: "测验成绩的平均值"},
			{Key: "training", Label: "培训完成", Value: f(80), BaseWeight: 0.2, Weight: 0.2, Explain: "按期完成 4 / 5 个模块"},
		},
		NRatings: 132, RankTeam: i(3), RankCenter: i(12),
		Channels: []reports.ChannelRow{
			{Channel: "窗口", Counts: [5]int{2, 3, 10, 40, 45}, N: 100, Mean: f(4.23), Score: f(84.6), M: 10, C: 4.1, GoodRate: f(0.85), BadRate: f(0.05)},
			{Channel: "网上办事", Counts: [5]int{0, 1, 3, 8, 10}, N: 22, Mean: f(4.227), Score: f(83.15), M: 10, C: 4.1, GoodRate: f(0.8182), BadRate: f(0.04545)},
			{Channel: "12345热线", Counts: [5]int{1, 0, 2, 3, 4}, N: 10, Mean: f(3.9), Score: f(80.0), M: 10, C: 4.1, GoodRate: f(0.7), BadRate: f(0.1)},
		},
		BadRatings: []reports.BadRatingRow{
			{RatedAt: time.Date(2026, 7, 3, 2, 15, 0, 0, time.UTC), Channel: "窗口", Item: "不动产登记", Level: 1, Reasons: "等候时间长", Comment: "排队两个小时才办上", CaseState: "已整改", Appeal: "未申诉"},
			{RatedAt: time.Date(2026, 7, 9, 6, 40, 0, 0, time.UTC), Channel: "网上办事", Item: "个体工商户设立登记", Level: 2, Reasons: "材料要求不清", Comment: "", CaseState: "已回访", Appeal: "申诉成功，不计入"},
		},
		Training: []reports.TrainingRow{
			{Module: "不动产登记受理规范", Version: 3, Due: "2026-07-15", Completed: "2026-07-10", Certificate: "KP-2026-0142", Status: "已完成"},
			{Module: "个体工商户设立登记", Version: 1, Due: "2026-07-31", Completed: "", Certificate: "", Status: "逾期"},
		},
		Quizzes: []reports.QuizRow{
			{Quiz: "不动产登记受理规范 测验", Attempts: 2, Grade: f(88), Passed: b(true), Date: "2026-07-10"},
			{Quiz: "个体工商户设立登记 测验", Attempts: 1, Grade: f(55), Passed: b(false), Date: "2026-07-28"},
		},
		Trend: []reports.TrendPoint{
			{Period: "2026-04", Value: f(76.2)}, {Period: "2026-05", Value: nil},
			{Period: "2026-06", Value: f(80.05)}, {Period: "2026-07", Value: f(82.85)},
		},
	}
}

func teamReport() *reports.TeamReport {
	return &reports.TeamReport{
		Meta:  meta(),
		Team:  "综合受理窗口组",
		Leads: []string{"张伟"},
		Members: []reports.MemberRow{
			{StaffNo: "S0017", Name: "徐喆", Quality: f(82.85), Satisfaction: f(86.44), Competence: f(78.25), Training: f(80), Band: "称职", NRatings: 132, RankTeam: i(3)},
			{StaffNo: "S0021", Name: "何堃", Quality: f(91.3), Satisfaction: f(93.1), Competence: f(90), Training: f(100), Band: "优秀", NRatings: 118, RankTeam: i(1)},
			{StaffNo: "S0034", Name: "罗赟", Quality: f(88.05), Satisfaction: f(87.5), Competence: f(92), Training: f(80), Band: "优秀", NRatings: 97, RankTeam: i(2)},
			{StaffNo: "S0040", Name: "王芳", Quality: f(58.4), Satisfaction: f(61.2), Competence: f(55), Training: f(60), Band: "基本称职", NRatings: 64, RankTeam: i(4)},
			{StaffNo: "S0052", Name: "欧阳晓晓", Quality: nil, Band: "", NRatings: 0},
		},
		Modules: []string{"不动产登记受理规范", "个体工商户设立登记", "社保卡补换", "公积金提取", "居住证办理", "出入境证件", "医保关系转移", "企业开办一件事"},
		Matrix: []reports.MatrixRow{
			{StaffNo: "S0017", Name: "徐喆", Cells: []reports.MatrixCell{{State: "passed", Grade: f(88)}, {State: "failed", Grade: f(55)}, {State: "due"}, {State: "none"}, {State: "overdue"}, {State: "passed", Grade: f(92.5)}, {State: "none"}, {State: "due"}}},
			{StaffNo: "S0021", Name: "何堃", Cells: []reports.MatrixCell{{State: "passed", Grade: f(95)}, {State: "passed", Grade: f(90)}, {State: "passed", Grade: f(100)}, {State: "due"}, {State: "none"}, {State: "none"}, {State: "passed", Grade: f(85)}, {State: "none"}}},
			{StaffNo: "S0034", Name: "罗赟", Cells: []reports.MatrixCell{{State: "passed", Grade: f(91)}, {State: "overdue"}, {State: "none"}, {State: "none"}, {State: "passed", Grade: f(77)}, {State: "due"}, {State: "none"}, {State: "none"}}},
		},
		Channels: []reports.ChannelSummary{
			{Channel: "窗口", N: 280, Mean: f(4.31), GoodRate: f(0.86), BadRate: f(0.04)},
			{Channel: "网上办事", N: 95, Mean: f(4.05), GoodRate: f(0.78), BadRate: f(0.063)},
			{Channel: "12345热线", N: 36, Mean: f(3.8), GoodRate: f(0.69), BadRate: f(0.11)},
		},
		Trend: []reports.TrendPoint{
			{Period: "2026-04", Value: f(79.4)}, {Period: "2026-05", Value: f(80.2)},
			{Period: "2026-06", Value: f(81.75)}, {Period: "2026-07", Value: f(80.15)},
		},
		Retraining: []reports.RetrainRow{
			{StaffNo: "S0040", Name: "王芳", Item: "不动产登记", TriggeredOn: "2026-05-12", Before: f(3.45), After: f(4.1), NBefore: 20, NAfter: 18},
			{StaffNo: "S0017", Name: "徐喆", Item: "个体工商户设立登记", TriggeredOn: "2026-07-09", Before: f(4.2), After: nil, NBefore: 12, NAfter: 0},
		},
	}
}

func centerReport() *reports.CenterReport {
	return &reports.CenterReport{
		Meta: meta(),
		Teams: []reports.TeamSummary{
			{Team: "综合受理窗口组", Members: 12, NRatings: 620, Quality: f(80.15), Satisfaction: f(84.2), Competence: f(78.5), Training: f(85), BadRate: f(0.052)},
			{Team: "网上办事审核组", Members: 8, NRatings: 410, Quality: f(84.6), Satisfaction: f(86), Competence: f(83.3), Training: f(90), BadRate: f(0.031)},
			{Team: "12345热线坐席组", Members: 15, NRatings: 1250, Quality: f(57.95), Satisfaction: f(62.5), Competence: f(55.5), Training: f(70), BadRate: f(0.12)},
		},
		ChannelNames: []string{"窗口", "网上办事", "12345热线"},
		Items: []reports.ItemRow{
			{Item: "不动产登记", Cells: []reports.ItemCell{{N: 230, Mean: f(4.35)}, {N: 40, Mean: f(4.1)}, {N: 12, Mean: f(3.75)}}},
			{Item: "个体工商户设立登记", Cells: []reports.ItemCell{{N: 88, Mean: f(4.5)}, {N: 210, Mean: f(4.25)}, {N: 0}}},
			{Item: "社保卡补换", Cells: []reports.ItemCell{{N: 150, Mean: f(4.05)}, {N: 0}, {N: 300, Mean: f(3.65)}}},
		},
		Channels: []reports.ChannelSummary{
			{Channel: "窗口", N: 900, Mean: f(4.31), GoodRate: f(0.86), BadRate: f(0.04)},
			{Channel: "网上办事", N: 560, Mean: f(4.05), GoodRate: f(0.78), BadRate: f(0.063)},
			{Channel: "12345热线", N: 820, Mean: f(3.8), GoodRate: f(0.69), BadRate: f(0.11)},
		},
		Threshold: 60,
		Below: []reports.MemberRow{
			{StaffNo: "S0040", Name: "王芳", Quality: f(58.4), Satisfaction: f(61.2), Competence: f(55), Training: f(60), Band: "基本称职", NRatings: 64},
			{StaffNo: "S0102", Name: "赵磊", Quality: f(49.95), Satisfaction: f(50.1), Competence: f(48), Training: f(50), Band: "不称职", NRatings: 140},
		},
		OverdueCases: []reports.CaseRow{
			{StaffNo: "S0102", Name: "赵磊", Team: "12345热线坐席组", RatedAt: time.Date(2026, 7, 2, 3, 0, 0, 0, time.UTC), Channel: "12345热线", Level: 1, State: "处理中", Due: time.Date(2026, 7, 9, 0, 0, 0, 0, shanghai), DaysOverdue: 22},
		},
	}
}

func certificate() *reports.Certificate {
	return &reports.Certificate{
		CenterName: "临江市政务服务中心", Number: "KP-2026-0142", StaffNo: "S0017", Name: "徐喆",
		Module: "不动产登记受理规范", Version: 3, IssuedOn: "2026-07-10", ExpiresOn: "2028-07-09",
		GeneratedAt: genAt, Location: shanghai,
	}
}

// noDataReport is a person without ratings, training or quizzes.
func noDataReport() *reports.StaffReport {
	m := meta()
	m.IssueNo = 0
	return &reports.StaffReport{Meta: m, StaffNo: "S0052", Name: "欧阳晓晓", Team: "综合受理窗口组"}
}

// onePageReport is a staff report short enough for one page.
func onePageReport() *reports.StaffReport {
	rep := staffReport()
	rep.BadRatings = nil
	rep.Training = rep.Training[:1]
	rep.Quizzes = nil
	rep.Trend = nil
	rep.LeadComment = "工作认真负责，窗口服务规范。"
	return rep
}
