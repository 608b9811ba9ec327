package app

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/fiber/v2/middleware/requestid"

	"net/http"

	"github.com/kaoping/kaoping/app/web"
)

// routes lists every route of the server. Public routes are marked; every
// other route runs guard: authentication, CSRF, and one casbin decision on
// the route pattern in the domains its scope names.
func (a *App) routes() {
	f := a.fiber
	f.Use(recover.New(), requestid.New(), a.logRequests, a.deadline, securityHeaders, rejectNUL, a.language, a.identify)

	// Public.
	f.Get("/healthz", a.healthz)
	f.Get("/readyz", a.readyz)
	f.Use("/static", filesystem.New(filesystem.Config{Root: http.FS(web.Static()), MaxAge: int(time.Hour.Seconds())}))
	f.Get("/login", a.loginForm)
	f.Post("/login", a.loginSubmit)
	f.Post("/api/v1/login", a.apiLogin)

	// Every signed-in user.
	get, post, del := a.guarded(fiber.MethodGet), a.guarded(fiber.MethodPost), a.guarded(fiber.MethodDelete)
	get("/", a.scopeCenter, a.home)
	post("/logout", a.scopeCenter, a.logout)
	get("/account/password", a.scopeCenter, a.passwordForm)
	post("/account/password", a.scopeCenter, a.passwordSubmit)
	post("/api/v1/logout", a.scopeCenter, a.apiLogout)
	get("/api/v1/me", a.scopeCenter, a.apiMe)

	// People and teams, scoped to the object.
	get("/my", a.scopeSelf, a.myPage)
	get("/staff/:id", a.scopeStaff("id"), a.staffPage)
	get("/teams/:id", a.scopeTeam("id"), a.teamPage)
	get("/center", a.scopeCenter, a.centerPage)
	get("/items", a.scopeCenter, a.itemsPage)
	get("/api/v1/staff", a.scopeCenter, a.apiStaffList)
	get("/api/v1/staff/:id", a.scopeStaff("id"), a.apiStaffShow)
	get("/api/v1/teams/:id/members", a.scopeTeam("id"), a.apiTeamMembers)

	// Training: modules and versions (trainer; admin approves too), the
	// employee's enrolments, lessons and certificates, the lead's team view.
	get("/modules", a.scopeCenter, a.modulesPage)
	post("/modules", a.scopeCenter, a.moduleCreate)
	get("/modules/:code", a.scopeCenter, a.modulePage)
	get("/modules/:code/edit", a.scopeCenter, a.moduleEdit)
	post("/modules/:code/edit", a.scopeCenter, a.moduleSave)
	post("/modules/:code/submit", a.scopeCenter, a.moduleSubmit)
	post("/modules/:code/approve", a.scopeCenter, a.moduleApprove)
	post("/modules/:code/reject", a.scopeCenter, a.moduleReject)
	get("/modules/:code/versions/:n", a.scopeCenter, a.moduleVersion)
	get("/modules/:code/diff", a.scopeCenter, a.moduleDiff)
	post("/modules/:code/assets", a.scopeCenter, a.moduleAssetUpload)
	get("/modules/:code/assets/:name", a.scopeCenter, a.moduleAsset)
	post("/modules/:code/assign", a.scopeCenter, a.moduleAssign)
	get("/training", a.scopeCenter, a.trainingOverview)

	// Quizzes: the trainer's editor and bank, the taker's attempts (server
	// clock, autosave), the lead's essay grading, item analysis.
	get("/modules/:code/quiz", a.scopeCenter, a.quizPage)
	post("/modules/:code/quiz", a.scopeCenter, a.quizSave)
	post("/modules/:code/quiz/slots", a.scopeCenter, a.quizSlots)
	post("/modules/:code/quiz/import", a.scopeCenter, a.quizImport)
	post("/modules/:code/quiz/generate", a.scopeCenter, a.quizGenerate)
	get("/modules/:code/quiz/stats", a.scopeCenter, a.quizStats)
	get("/modules/:code/questions/:id", a.scopeCenter, a.questionPage)
	post("/modules/:code/questions/:id", a.scopeCenter, a.questionSave)
	get("/enrolments/:id/quiz", a.scopeEnrolment("id"), a.quizIntro)
	post("/enrolments/:id/quiz/start", a.scopeEnrolment("id"), a.quizStart)
	get("/attempts/:id", a.scopeAttempt("id"), a.attemptPage)
	post("/attempts/:id", a.scopeAttempt("id"), a.attemptPost)
	get("/attempts/:id/review", a.scopeAttempt("id"), a.attemptReview)
	post("/api/v1/attempts/:id/answers", a.scopeAttempt("id"), a.apiSaveAnswer)
	get("/teams/:id/grading", a.scopeTeam("id"), a.gradingQueue)
	get("/teams/:id/quiz-stats", a.scopeTeam("id"), a.teamQuizStats)
	post("/essays/:id/grade", a.scopeEssay("id"), a.gradeEssay)
	get("/teams/:id/training", a.scopeTeam("id"), a.teamTraining)
	post("/teams/:id/assign", a.scopeTeam("id"), a.teamAssign)
	get("/enrolments/:id", a.scopeEnrolment("id"), a.enrolmentPage)
	get("/enrolments/:id/standard", a.scopeEnrolment("id"), a.standardPage)
	get("/enrolments/:id/lessons/:lesson", a.scopeEnrolment("id"), a.lessonPage)
	post("/enrolments/:id/lessons/:lesson/read", a.scopeEnrolment("id"), a.lessonRead)
	post("/enrolments/:id/remind", a.scopeEnrolment("id"), a.remind)
	get("/certificates/:id", a.scopeCertificate("id"), a.certificatePage)
	get("/notifications", a.scopeSelf, a.notificationsPage)
	post("/notifications/:id/read", a.scopeSelf, a.notificationRead)

	// Citizen ratings (好差评) from the upstream feed.
	post("/api/v1/ratings", a.scopeCenter, a.apiRatingsIngest)
	get("/ratings", a.scopeCenter, a.ratingsPage)
	get("/ratings/import", a.scopeCenter, a.ratingsImportPage)
	post("/ratings/import", a.scopeCenter, a.ratingsImportUpload)
	get("/ratings/import/:id", a.scopeCenter, a.ratingsImportRun)
	get("/ratings/import/:id/rejects", a.scopeCenter, a.ratingsImportRejects)
	get("/teams/:id/ratings", a.scopeTeam("id"), a.teamRatingsPage)
	post("/ratings/:id/personal", a.scopeCenter, a.ratingPersonal)

	// Bad-rating follow-up (verify → rectify → return visit) and appeals.
	get("/cases", a.scopeCenter, a.centerCases)
	get("/teams/:id/cases", a.scopeTeam("id"), a.teamCases)
	get("/cases/:id", a.scopeCase("id"), a.casePage)
	post("/cases/:id/step", a.scopeCase("id"), a.caseStep)
	post("/ratings/:id/appeal", a.scopeRating("id"), a.ratingAppeal)
	get("/appeals/:id", a.scopeAppeal("id"), a.appealPage)
	post("/appeals/:id/decide", a.scopeAppeal("id"), a.appealDecide)
	get("/appeals/:id/evidence/:eid", a.scopeAppeal("id"), a.appealEvidence)

	// Quality scores: center, team, person; exports; closing a period.
	get("/scores", a.scopeCenter, a.centerScores)
	get("/scores/export", a.scopeCenter, a.scoresExport)
	post("/scores/issue", a.scopeCenter, a.scoresIssue)
	get("/teams/:id/scores", a.scopeTeam("id"), a.teamScores)
	get("/teams/:id/scores/export", a.scopeTeam("id"), a.teamScoresExport)
	get("/staff/:id/scores", a.scopeStaff("id"), a.staffScores)
	get("/api/v1/staff/:no/scores", a.scopeStaffNo("no"), a.apiStaffScores)
	get("/loop", a.scopeCenter, a.loopPage)
	get("/teams/:id/loop", a.scopeTeam("id"), a.teamLoopPage)
	// Reports: PDFs, verification, batch jobs.
	get("/api/v1/staff/:no/report.pdf", a.scopeStaffNo("no"), a.apiStaffReport)
	get("/api/v1/teams/:id/report.pdf", a.scopeTeam("id"), a.apiTeamReport)
	get("/api/v1/center/report.pdf", a.scopeCenter, a.apiCenterReport)
	get("/certificates/:id/pdf", a.scopeCertificate("id"), a.certificatePDF)
	get("/verify", a.scopeCenter, a.verifyPage)
	post("/verify", a.scopeCenter, a.verifySubmit)
	get("/reports/batch", a.scopeCenter, a.batchPage)
	post("/reports/batch", a.scopeCenter, a.batchStart)
	get("/reports/batch/:id", a.scopeCenter, a.batchJob)
	get("/reports/batch/:id/zip", a.scopeCenter, a.batchZip)
	get("/admin/scoring", a.scopeCenter, a.scoringSettingsPage)
	post("/admin/scoring", a.scopeCenter, a.scoringSettingsSave)

	// Administration (center scope; handlers check the object's center).
	get("/admin/users", a.scopeCenter, a.adminUsers)
	post("/admin/users", a.scopeCenter, a.adminUserCreate)
	get("/admin/users/:id", a.scopeCenter, a.adminUser)
	post("/admin/users/:id", a.scopeCenter, a.adminUserUpdate)
	post("/admin/users/:id/roles", a.scopeCenter, a.adminUserGrant)
	post("/admin/users/:id/roles/delete", a.scopeCenter, a.adminUserRevoke)
	post("/admin/users/:id/disable", a.scopeCenter, a.adminUserDisable)
	post("/admin/users/:id/enable", a.scopeCenter, a.adminUserEnable)
	post("/admin/users/:id/reset-password", a.scopeCenter, a.adminUserResetPassword)
	get("/admin/teams", a.scopeCenter, a.adminTeams)
	post("/admin/teams", a.scopeCenter, a.adminTeamSave)
	get("/admin/staff", a.scopeCenter, a.adminStaff)
	post("/admin/staff", a.scopeCenter, a.adminStaffSave)
	post("/admin/staff/import", a.scopeCenter, a.adminStaffImport)
	get("/admin/items", a.scopeCenter, a.adminItems)
	post("/admin/items", a.scopeCenter, a.adminItemSave)
	get("/admin/policies", a.scopeCenter, a.adminPolicies)
	post("/admin/policies", a.scopeCenter, a.adminPolicyAdd)
	post("/admin/policies/delete", a.scopeCenter, a.adminPolicyRemove)
	get("/admin/tokens", a.scopeCenter, a.adminTokens)
	post("/admin/tokens", a.scopeCenter, a.adminTokenCreate)
	post("/admin/tokens/:id/revoke", a.scopeCenter, a.adminTokenRevoke)
	get("/admin/audit", a.scopeCenter, a.adminAudit)
	get("/admin/calendar", a.scopeCenter, a.calendarPage)
	post("/admin/calendar", a.scopeCenter, a.calendarSet)
	post("/admin/calendar/import", a.scopeCenter, a.calendarImport)
	get("/api/v1/policies", a.scopeCenter, a.apiPolicies)
	post("/api/v1/policies", a.scopeCenter, a.apiPolicyAdd)
	del("/api/v1/policies", a.scopeCenter, a.apiPolicyRemove)

	// Operations: Prometheus metrics and the Go profiler, administrators
	// only (the profiler through their /admin/* policy); see README
	// "Operations".
	get("/metrics", a.scopeCenter, a.metricsPage)
	get("/admin/debug/pprof", a.scopeCenter, a.pprofIndex)
	get("/admin/debug/pprof/:name", a.scopeCenter, a.pprofProfile)

	// Anything else: 404 through the error handler (pages and API alike).
	f.Use(func(c *fiber.Ctx) error { return fiber.ErrNotFound })
}

// guarded returns a registrar for method that puts guard(scope) in front of
// the handler.
func (a *App) guarded(method string) func(path string, scope scopeFunc, h fiber.Handler) {
	return func(path string, scope scopeFunc, h fiber.Handler) {
		a.fiber.Add(method, path, a.guard(scope), h)
		if method == fiber.MethodGet {
			// HEAD is a GET without the body, decided as the GET.
			a.fiber.Add(fiber.MethodHead, path, a.guard(scope), h)
		}
	}
}

// PublicRoutes lists the routes that need no login, as "METHOD path".
func PublicRoutes() []string {
	return []string{"GET /healthz", "GET /readyz", "GET /login", "POST /login", "POST /api/v1/login", "GET /static", "HEAD /static"}
}
