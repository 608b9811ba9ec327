package quizzes

import (
	"sort"
	"strings"
)

// OrderingFromSteps drafts an ordering question from a module's workflow
// steps, given in their correct order; title becomes the question's name.
// Steps are trimmed; empty and repeated steps are dropped. The result is a
// starting point for the trainer to edit; Validate it before saving (fewer
// than two steps make no question).
func OrderingFromSteps(title string, steps []string) Question {
	return Question{
		Type:   Ordering,
		Name:   strings.TrimSpace(title),
		Text:   "请将下列步骤按正确的办理顺序排列。",
		Format: FormatPlain,
		Items:  cleanList(steps, nil),
	}
}

// MultiChoiceFromMaterials drafts a multiple-answer question "which of
// these materials must be submitted?" from a module's materials list and
// some materials it does not require; title becomes the question's name.
//
// Grading rule: each required material is worth 1/len(required), so ticking
// all of them gives full marks; each distractor costs 1/len(distractors),
// so ticking every box scores exactly 0 (the sum is clamped to [0, 1]) and
// guessing does not pay. The answers are sorted by text, an order that says
// nothing about the key even when answers are not shuffled. A material in
// both lists counts as required; empty and repeated entries are dropped.
// Validate the result before saving (it needs at least two answers).
func MultiChoiceFromMaterials(title string, required []string, distractors []string) Question {
	req := cleanList(required, nil)
	isReq := make(map[string]bool, len(req))
	for _, r := range req {
		isReq[r] = true
	}
	dis := cleanList(distractors, isReq)

	var answers []Answer
	for _, r := range req {
		answers = append(answers, Answer{Text: r, Fraction: 1 / float64(len(req)), Format: FormatPlain})
	}
	for _, d := range dis {
		answers = append(answers, Answer{Text: d, Fraction: -1 / float64(len(dis)), Format: FormatPlain})
	}
	sort.SliceStable(answers, func(i, j int) bool { return answers[i].Text < answers[j].Text })
	return Question{
		Type:    MultiChoice,
		Name:    strings.TrimSpace(title),
		Text:    "办理本事项需要提交下列哪些材料？（多选）",
		Format:  FormatPlain,
		Answers: answers,
	}
}

// cleanList trims the entries of xs and drops empty ones, repeats and those
// in skip, keeping the first occurrence's place.
func cleanList(xs []string, skip map[string]bool) []string {
	seen := make(map[string]bool, len(xs))
	out := []string{}
	for _, x := range xs {
		x = strings.TrimSpace(x)
		if x == "" || seen[x] || skip[x] {
			continue
		}
		seen[x] = true
		out = append(out, x)
	}
	return out
}
