package handlers_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"attest/accounts/accountstest"
)

// quizBody is a three-question quiz for a request type: single, multiple, single choice.
func quizBody(rt string) map[string]any {
	return map[string]any{
		"title": "Checkpoint " + rt, "request_type": rt, "pass_percent": 60, "validity_days": 365,
		"questions": []map[string]any{
			{"text": "Before resetting you must", "explanation": "SECRET-WHY-1", "choices": []map[string]any{
				{"text": "verify identity", "correct": true}, {"text": "ask by chat", "correct": false}}},
			{"text": "Which are required?", "explanation": "SECRET-WHY-2", "choices": []map[string]any{
				{"text": "ticket reference", "correct": true}, {"text": "callback number", "correct": true}, {"text": "old password", "correct": false}}},
			{"text": "Temporary passwords must", "choices": []map[string]any{
				{"text": "change at next logon", "correct": true}, {"text": "never expire", "correct": false}}},
		},
	}
}

// quizKey reads a quiz as its trainer: question version id → the ids of its right choices,
// and of its wrong ones.
func quizKey(t *testing.T, tr *apiClient, quizID int64) (right, wrong map[int64][]int64) {
	t.Helper()
	st, z := tr.call("GET", fmt.Sprintf("/api/v1/quizzes/%d", quizID), nil)
	if st != http.StatusOK {
		t.Fatalf("GET quiz: HTTP %d %v", st, z)
	}
	right, wrong = map[int64][]int64{}, map[int64][]int64{}
	for _, q := range z["questions"].([]any) {
		qm := q.(map[string]any)
		vid := int64(qm["version_id"].(float64))
		right[vid], wrong[vid] = []int64{}, []int64{}
		for _, c := range qm["choices"].([]any) {
			cm := c.(map[string]any)
			if cm["correct"].(bool) {
				right[vid] = append(right[vid], int64(cm["id"].(float64)))
			} else {
				wrong[vid] = append(wrong[vid], int64(cm["id"].(float64)))
			}
		}
	}
	return right, wrong
}

func answersJSON(key map[int64][]int64) map[string]any {
	m := map[string]any{}
	for q, cs := range key {
		m[strconv.FormatInt(q, 10)] = cs
	}
	return map[string]any{"answers": m}
}

func createQuizAPI(t *testing.T, tr *apiClient, body map[string]any) int64 {
	t.Helper()
	st, z := tr.call("POST", "/api/v1/quizzes", body)
	if st != http.StatusCreated {
		t.Fatalf("create quiz: HTTP %d %v", st, z)
	}
	return int64(z["id"].(float64))
}

// noLeak fails when an answer or explanation shows in a response or page given before (or,
// without show_answers, after) submission.
func noLeak(t *testing.T, what string, body []byte) {
	t.Helper()
	low := strings.ToLower(string(body))
	for _, leak := range []string{"correct", "secret-why", "explanation", "\"right\""} {
		if strings.Contains(low, leak) {
			t.Errorf("%s leaks %q: %s", what, leak, body)
		}
	}
}

func TestQuizAPIAndBadInput(t *testing.T) {
	ts := newTestServer(t)
	tr, alice, bob, gina := ts.api(t, "trainer"), ts.api(t, "alice"), ts.api(t, "bob"), ts.api(t, "gina")

	if st, _ := alice.call("POST", "/api/v1/quizzes", quizBody("password-reset")); st != http.StatusForbidden {
		t.Errorf("agent creates a quiz: HTTP %d, want 403", st)
	}
	noRight := quizBody("password-reset")
	noRight["questions"] = []map[string]any{{"text": "no right answer", "choices": []map[string]any{{"text": "a", "correct": false}, {"text": "b", "correct": false}}}}
	over := quizBody("password-reset")
	over["pass_percent"] = 140
	neg := quizBody("password-reset")
	neg["pass_percent"] = -5
	for _, tc := range []struct {
		name  string
		body  any
		want  int
		field string
	}{
		{"a question without a correct choice", noRight, 422, "questions[0].choices"},
		{"pass mark over 100", over, 422, "pass_percent"},
		{"pass mark under 0", neg, 422, "pass_percent"},
		{"pass mark as text", map[string]any{"title": "x", "pass_percent": "high"}, 422, "pass_percent"},
		{"unknown field", map[string]any{"title": "x", "bogus": 1}, 400, ""},
	} {
		st, body := tr.call("POST", "/api/v1/quizzes", tc.body)
		if st != tc.want {
			t.Errorf("%s: HTTP %d, want %d", tc.name, st, tc.want)
			continue
		}
		if tc.field != "" {
			fields, _ := body["error"].(map[string]any)["fields"].(map[string]any)
			if fields[tc.field] == nil {
				t.Errorf("%s: fields %v do not name %s", tc.name, fields, tc.field)
			}
		}
	}
	if _, list := tr.call("GET", "/api/v1/quizzes", nil); len(list["quizzes"].([]any)) != 0 {
		t.Errorf("refused quizzes were stored: %v", list)
	}

	qid := createQuizAPI(t, tr, quizBody("password-reset"))
	otherQuiz := createQuizAPI(t, tr, quizBody("software-install"))
	right, wrong := quizKey(t, tr, qid)

	// Agents read the quiz without its questions.
	st, raw := alice.raw("GET", fmt.Sprintf("/api/v1/quizzes/%d", qid), nil)
	if st != http.StatusOK {
		t.Fatalf("agent reads the quiz: HTTP %d", st)
	}
	noLeak(t, "the quiz as an agent reads it", raw)
	if st, _ := gina.call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", otherQuiz), nil); st != http.StatusForbidden {
		t.Errorf("gina starts a quiz for a type globex does not fulfil: HTTP %d, want 403", st)
	}

	st, raw = alice.raw("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", qid), nil)
	if st != http.StatusCreated {
		t.Fatalf("start: HTTP %d %s", st, raw)
	}
	noLeak(t, "the started attempt", raw)
	aid, _ := strconv.ParseInt(attemptIDOf(raw), 10, 64)
	if st, raw := alice.raw("GET", fmt.Sprintf("/api/v1/attempts/%d", aid), nil); st != http.StatusOK {
		t.Errorf("read open attempt: HTTP %d", st)
	} else {
		noLeak(t, "the open attempt", raw)
	}
	path := fmt.Sprintf("/api/v1/attempts/%d/answers", aid)

	// Bad submissions change nothing.
	if st, _ := bob.call("POST", fmt.Sprintf("/api/v1/quizzes/%d/attempts", otherQuiz), nil); st != http.StatusCreated {
		t.Fatalf("bob starts the other quiz: HTTP %d", st)
	}
	bobRight, _ := quizKey(t, tr, otherQuiz)
	for _, tc := range []struct {
		name string
		as   *apiClient
		body any
		want []int
	}{
		{"another agent submits alice's attempt", bob, answersJSON(right), []int{403, 404}},
		{"answers for another attempt's questions", alice, answersJSON(bobRight), []int{422}},
		{"a key that is not a question id", alice, map[string]any{"answers": map[string]any{"first": []int{1}}}, []int{422}},
		{"no answers field", alice, map[string]any{}, []int{422}},
		{"choice ids as text", alice, map[string]any{"answers": map[string]any{"1": "a"}}, []int{422}},
	} {
		st, body := tc.as.call("POST", path, tc.body)
		ok := false
		for _, w := range tc.want {
			ok = ok || st == w
		}
		if !ok {
			t.Errorf("%s: HTTP %d %v, want %v", tc.name, st, body, tc.want)
		}
	}
	// Alice's first question wrong, the rest right: 2 of 3 = 66%, passes 60.
	mixed := map[int64][]int64{}
	n := 0
	for q := range right {
		if n == 0 {
			mixed[q] = wrong[q]
		} else {
			mixed[q] = right[q]
		}
		n++
	}
	st, raw = alice.raw("POST", path, answersJSON(mixed))
	if st != http.StatusOK {
		t.Fatalf("submit: HTTP %d %s", st, raw)
	}
	noLeak(t, "the result without show_answers", raw)
	_, res := alice.call("GET", fmt.Sprintf("/api/v1/attempts/%d", aid), nil)
	if res["score_percent"] != float64(66) || res["passed"] != true {
		t.Errorf("result: %v", res)
	}
	if st, _ := alice.call("POST", path, answersJSON(right)); st != http.StatusConflict {
		t.Errorf("second submission: HTTP %d, want 409", st)
	}
	if _, res := alice.call("GET", fmt.Sprintf("/api/v1/attempts/%d", aid), nil); res["score_percent"] != float64(66) {
		t.Errorf("a refused second submission changed the score: %v", res)
	}

	// Certification only after a pass; then authority; revocation needs a reason.
	if st, _ := tr.call("POST", "/api/v1/certifications", map[string]string{"username": "bob", "request_type": "password-reset"}); st != 422 {
		t.Errorf("certify bob without a pass: HTTP %d, want 422", st)
	}
	if st, _ := alice.call("POST", "/api/v1/certifications", map[string]string{"username": "alice", "request_type": "password-reset"}); st != 403 {
		t.Errorf("alice certifies herself: HTTP %d, want 403", st)
	}
	_, q := tr.call("GET", "/api/v1/certifications/queue", nil)
	if items := q["attempts"].([]any); len(items) != 1 {
		t.Errorf("queue: %v", q)
	}
	st, cert := tr.call("POST", "/api/v1/certifications", map[string]string{"username": "alice", "request_type": "password-reset"})
	if st != http.StatusCreated || cert["id"] == nil || cert["expires_at"] == nil {
		t.Fatalf("certify: HTTP %d %v", st, cert)
	}
	if st, _ := gina.call("GET", "/api/v1/authority?username=alice&request_type=password-reset", nil); st != 403 && st != 404 {
		t.Errorf("gina reads acme staff's authority: HTTP %d", st)
	}
	if st, _ := ts.api(t, "km1").call("GET", "/api/v1/authority?username=alice&request_type=password-reset", nil); st != 403 {
		t.Errorf("a knowledge manager reads authority: HTTP %d, want 403", st)
	}
	if st, _ := bob.call("GET", "/api/v1/authority?request_type=password-reset", nil); st != 422 {
		t.Errorf("authority without username: HTTP %d, want 422", st)
	}
	_, au := bob.call("GET", "/api/v1/authority?username=alice&request_type=password-reset", nil)
	if au["authorized"] != true || au["reason"] != "certified" || au["expires_at"] == nil {
		t.Errorf("authority: %v", au)
	}
	cid := int64(cert["id"].(float64))
	if st, _ := tr.call("DELETE", fmt.Sprintf("/api/v1/certifications/%d", cid), map[string]string{}); st != 422 {
		t.Errorf("revoke without a reason: HTTP %d, want 422", st)
	}
	if st, _ := tr.call("DELETE", fmt.Sprintf("/api/v1/certifications/%d", cid), map[string]string{"reason": "left"}); st != 200 {
		t.Errorf("revoke: HTTP %d", st)
	}
	if st, _ := tr.call("DELETE", fmt.Sprintf("/api/v1/certifications/%d", cid), map[string]string{"reason": "again"}); st != 409 {
		t.Errorf("revoke twice: HTTP %d, want 409", st)
	}
	_, au = alice.call("GET", "/api/v1/authority?username=alice&request_type=password-reset", nil)
	if au["authorized"] != false || au["reason"] != "revoked" {
		t.Errorf("authority after revocation: %v", au)
	}
	// Supplier isolation of the matrix.
	_, m := gina.call("GET", "/api/v1/authority/matrix", nil)
	for _, row := range m["staff"].([]any) {
		if u := row.(map[string]any)["username"]; u != "gina" {
			t.Errorf("gina's matrix shows %v", u)
		}
	}
}

var attemptIDRE = regexp.MustCompile(`"attempt_id":(\d+)`)

func attemptIDOf(raw []byte) string {
	if m := attemptIDRE.FindSubmatch(raw); m != nil {
		return string(m[1])
	}
	return "0"
}

var choiceRE = regexp.MustCompile(`name="q(\d+)" value="(\d+)"`)

// TestTrainingPages walks the pages: a trainer writes a quiz in the form (a question without a
// right choice is refused in place), an agent takes it without seeing any answer, the trainer
// certifies from the queue, and the agent's authority page shows it; then a major knowledge
// change shows what changed.
func TestTrainingPages(t *testing.T) {
	ts := newTestServer(t)
	tr := ts.browser(t)
	tr.login("trainer", accountstest.Password)
	form := url.Values{"title": {"Password reset checkpoint"}, "request_type": {"password-reset"}, "pass_percent": {"100"},
		"validity_days": {"365"}, "questions": {"2"},
		"q0_text": {"Before resetting you must"}, "q0_explanation": {"SECRET-WHY-1"}, "q0_choices": {"4"},
		"q0_c0_text": {"verify identity"}, "q0_c0_correct": {"true"}, "q0_c1_text": {"ask by chat"},
		"q1_text": {"Which are required?"}, "q1_choices": {"4"},
		"q1_c0_text": {"ticket reference"}, "q1_c1_text": {"old password"}}
	st, page := tr.post("/training/quizzes", form)
	if st != 422 || !strings.Contains(page, `data-testid="error-questions-1-choices"`) || !strings.Contains(page, "Before resetting you must") {
		t.Fatalf("quiz without a right choice in question 2: HTTP %d, error shown %v", st, strings.Contains(page, "error-questions-1-choices"))
	}
	form.Set("q1_c0_correct", "true")
	if st, page := tr.post("/training/quizzes", form); st != http.StatusSeeOther {
		t.Fatalf("create quiz: HTTP %d %s", st, page)
	}
	_, page = tr.get("/training")
	if !strings.Contains(page, "Password reset checkpoint") || !strings.Contains(page, "New quiz") {
		t.Errorf("trainer's training page lacks the quiz")
	}
	qid := createdQuizID(t, ts)
	right, _ := quizKey(t, ts.api(t, "trainer"), qid)

	alice := ts.browser(t)
	alice.login("alice", accountstest.Password)
	_, page = alice.get("/training")
	if !strings.Contains(page, "Start quiz") {
		t.Fatalf("agent's training page has no Start quiz")
	}
	noLeak(t, "the agent's training page", []byte(page))
	resp, err := alice.c.Post(alice.base+fmt.Sprintf("/training/quizzes/%d/attempts", qid), "application/x-www-form-urlencoded", strings.NewReader("csrf_token="+alice.csrf))
	if err != nil {
		t.Fatal(err)
	}
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/training/attempts/") {
		t.Fatalf("start: HTTP %d to %q", resp.StatusCode, loc)
	}
	_, page = alice.get(loc)
	noLeak(t, "the quiz page", []byte(page))
	if n := len(choiceRE.FindAllString(page, -1)); n != 4 {
		t.Errorf("quiz page shows %d choices, want 4", n)
	}
	answers := url.Values{}
	for q, cs := range right {
		for _, c := range cs {
			answers.Add(fmt.Sprintf("q%d", q), strconv.FormatInt(c, 10))
		}
	}
	if st, _ := alice.post(loc+"/answers", answers); st != http.StatusSeeOther {
		t.Fatalf("submit: HTTP %d", st)
	}
	_, page = alice.get(loc)
	if !strings.Contains(page, "100%") || !strings.Contains(page, "Passed") || !strings.Contains(page, "Waiting for a trainer") {
		t.Errorf("result page lacks score or state")
	}
	noLeak(t, "the result page", []byte(page))

	// Until a trainer decides, "My authority" says the pass is waiting instead of offering the quiz.
	if _, page = alice.get("/authority"); !strings.Contains(page, `data-testid="awaiting-certification"`) {
		t.Errorf("My authority does not say the pass waits for a trainer")
	}
	_, page = tr.get("/training")
	if !strings.Contains(page, `data-testid="queue-alice"`) {
		t.Fatalf("alice's pass is not in the queue")
	}
	if st, _ := tr.post(loc+"/certify", url.Values{}); st != http.StatusSeeOther {
		t.Fatalf("certify: HTTP %d", st)
	}
	_, page = alice.get("/authority")
	if !strings.Contains(page, `data-testid="authority-password-reset" data-reason="certified"`) {
		t.Errorf("alice's authority page does not show the certification")
	}
	_, page = tr.get("/authority")
	if !strings.Contains(page, `data-testid="matrix-alice"`) || !strings.Contains(page, `data-testid="matrix-gina"`) {
		t.Errorf("the trainer's matrix lacks staff")
	}
	gina := ts.browser(t)
	gina.login("gina", accountstest.Password)
	_, page = gina.get("/authority")
	if strings.Contains(page, "matrix-alice") {
		t.Errorf("gina's authority page shows acme staff")
	}
	if st, _ := gina.get("/authority/alice"); st != http.StatusForbidden {
		t.Errorf("gina opens alice's authority: HTTP %d, want 403", st)
	}

	// A major approval: alice is told what changed, with the diff.
	km1, km2 := ts.api(t, "km1"), ts.api(t, "km2")
	_, a := km1.call("POST", "/api/v1/articles", map[string]any{"title": "Reset password", "body": "Verify the caller with two factors.", "request_types": []string{"password-reset"}})
	art := int64(a["id"].(float64))
	km1.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/submit", art), nil)
	if st, body := km2.call("POST", fmt.Sprintf("/api/v1/articles/%d/versions/1/approve", art), map[string]any{"comment": "ok", "major": true}); st != 200 {
		t.Fatalf("approve: HTTP %d %v", st, body)
	}
	_, page = alice.get("/authority")
	if !strings.Contains(page, `data-reason="recertification_required"`) || !strings.Contains(page, `data-testid="what-changed-password-reset"`) ||
		!strings.Contains(page, "<ins>") {
		t.Errorf("alice's authority page does not show the recertification with what changed")
	}
}

// createdQuizID returns the id of the newest quiz.
func createdQuizID(t *testing.T, ts *testServer) int64 {
	t.Helper()
	_, list := ts.api(t, "trainer").call("GET", "/api/v1/quizzes", nil)
	qs := list["quizzes"].([]any)
	if len(qs) == 0 {
		t.Fatal("no quiz was created")
	}
	return int64(qs[len(qs)-1].(map[string]any)["id"].(float64))
}

// TestAttemptStartIsAlways201 holds the contract's status for starting an attempt: a second
// start while one is open resumes it (same attempt, same questions) and still answers 201.
func TestAttemptStartIsAlways201(t *testing.T) {
	ts := newTestServer(t)
	tr, alice := ts.api(t, "trainer"), ts.api(t, "alice")
	qid := createQuizAPI(t, tr, quizBody("password-reset"))
	path := fmt.Sprintf("/api/v1/quizzes/%d/attempts", qid)
	st, first := alice.call("POST", path, nil)
	if st != http.StatusCreated || first["resumed"] != false {
		t.Fatalf("first start: HTTP %d resumed=%v, want 201 false", st, first["resumed"])
	}
	st, again := alice.call("POST", path, nil)
	if st != http.StatusCreated {
		t.Errorf("start while an attempt is open: HTTP %d, want 201", st)
	}
	if again["attempt_id"] != first["attempt_id"] || again["resumed"] != true {
		t.Errorf("second start: attempt %v resumed=%v, want attempt %v resumed=true", again["attempt_id"], again["resumed"], first["attempt_id"])
	}
	if fmt.Sprint(again["questions"]) != fmt.Sprint(first["questions"]) {
		t.Errorf("resumed attempt shows other questions:\n%v\n%v", again["questions"], first["questions"])
	}
}
