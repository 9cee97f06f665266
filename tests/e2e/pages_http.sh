#!/bin/sh
# The staff pages of `oyako serve` over plain HTTP (curl): sign in, the
# CSRF check of every form, each form's server-side errors with nothing
# stored, the roles on each page (specs/pages.md).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/pages.inc"

# At the top level: the server's URL must outlive each test's subshell.
pages_journal >setup.out 2>&1 && pages_accounts >>setup.out 2>&1 && serve_start >>setup.out 2>&1
test_expect_success 'setup: a small city, accounts, a server' '
	test -n "$URL" || { cat setup.out; false; }
'

test_expect_success 'without a session a page sends the browser to the sign-in page' '
	curl -s -o /dev/null -w "%{http_code} %{redirect_url}" "$URL/" >out &&
	test "$(cat out)" = "303 $URL/login" &&
	curl -s -o /dev/null -w "%{http_code} %{redirect_url}" "$URL/cases/$CASE_A" >out &&
	test "$(cat out)" = "303 $URL/login"
'

test_expect_success 'the sign-in page sets its form token in a cookie and the form' '
	test "$(get c01 /login)" = 200 &&
	test_grep "<form method=\"post\" action=\"/login\">" page &&
	tok=$(csrf) && test ${#tok} = 64 &&
	grep -q "oyako_csrf	$tok" c01.jar
'

test_expect_success 'sign-in without the form token, or with another, is refused (403)' '
	test "$(get c01 /login)" = 200 &&
	test "$(post c01 /login name=c01 password=c01-password)" = 403 &&
	test_grep "CSRF" page &&
	test "$(post c01 /login csrf=$(printf %064d 0) name=c01 password=c01-password)" = 403 &&
	! grep -q oyako_session c01.jar
'

test_expect_success 'a wrong password shows the sign-in page again with the message (401)' '
	test "$(get c01 /login)" = 200 &&
	test "$(post c01 /login "csrf=$(csrf)" name=c01 password=nope)" = 401 &&
	test_grep "wrong name or password" page &&
	test_grep "id=\"login-error\"" page
'

test_expect_success 'a good sign-in sets an HttpOnly, SameSite=Strict session cookie and goes to /' '
	test "$(get c01 /login)" = 200 &&
	curl -s -D hdr -o /dev/null -b c01.jar -c c01.jar --data-urlencode "csrf=$(csrf)" \
	    --data-urlencode name=c01 --data-urlencode password=c01-password "$URL/login" &&
	grep -i "^set-cookie: oyako_session=[0-9a-f]*; Path=/; Max-Age=[0-9]*; HttpOnly; SameSite=Strict" hdr &&
	grep -i "^location: /" hdr
'

test_expect_success 'my day of a coordinator: its own cases, flags with their reasons, sorting links' '
	test "$(get c01 /)" = 200 &&
	test_grep "data-case=\"$CASE_A\"" page &&
	! grep -q "$CASE_B" page &&
	test_grep "No happy baby contact" page &&
	test_grep "born on 2025-06-20; no happy baby contact within 90 days (since 2025-09-18)" page &&
	test_grep "href=\"/?sort=name\"" page &&
	test "$(get c01 "/?sort=flag")" = 200 &&
	test_grep "aria-sort=\"ascending\"><a href=\"/?sort=flag\"" page
'

test_expect_success 'every page carries no-store, a CSP without scripts and no framing' '
	curl -s -D hdr -o /dev/null -b c01.jar "$URL/" &&
	grep -i "^cache-control: no-store" hdr &&
	grep -i "^content-security-policy: default-src .none.; style-src .unsafe-inline." hdr &&
	grep -i "^x-frame-options: DENY" hdr
'

test_expect_success 'the language: Accept-Language, then ?lang= (remembered in a cookie)' '
	curl -s -b c01.jar -H "Accept-Language: ja,en;q=0.5" "$URL/" >ja.html &&
	test_grep "<html lang=\"ja\">" ja.html &&
	test_grep "わたしの一日" ja.html &&
	test "$(get c01 "/?lang=en")" = 200 &&
	test_grep "<html lang=\"en\">" page &&
	grep -q "oyako_lang	en" c01.jar &&
	curl -s -b c01.jar -H "Accept-Language: ja" "$URL/" >en.html &&
	test_grep "<html lang=\"en\">" en.html
'

test_expect_success 'a coordinator records a happy baby visit: stored with its account as actor, flag gone' '
	events >before &&
	test "$(get c01 /cases/$CASE_A)" = 200 &&
	test_grep "id=\"form-happybaby.contact\"" page &&
	tok=$(csrf) &&
	test "$(post c01 /cases/$CASE_A/events "csrf=$tok" type=happybaby.contact occurred=2025-09-30 mode=home)" = 303 &&
	events >after &&
	test $(($(wc -l <before) + 1)) = $(wc -l <after) &&
	tail -1 after | grep "\"type\":\"happybaby.contact\",\"stream\":\"case:$CASE_A\"" &&
	tail -1 after | grep "\"actor\":\"c01\"" &&
	tail -1 after | grep "\"data\":{\"mode\":\"home\"}" &&
	test "$(get c01 "/cases/$CASE_A?recorded=1")" = 200 &&
	test_grep "id=\"notice\"" page &&
	test_grep "<tr data-type=\"happybaby.contact\">" page &&
	test "$(get c01 /)" = 200 &&
	! grep -q "No happy baby contact" page
'

# post_refused WHO STATUS FIELD-ID DATA...: a record form of case A that is
# refused with STATUS, its error shown at FIELD-ID, nothing stored.
post_refused() {
	_who=$1 _want=$2 _at=$3
	shift 3
	events >before.jsonl &&
	get "$_who" "/cases/$CASE_A" >/dev/null &&
	_got=$(post "$_who" "/cases/$CASE_A/events" "csrf=$(csrf)" "$@") &&
	if [ "$_got" != "$_want" ]; then
		echo "expected $_want, got $_got for $*" >&2
		return 1
	fi
	if [ -n "$_at" ] && ! grep -q "<p class=\"err\" role=\"alert\" id=\"$_at-err\">" page; then
		echo "no error at $_at for $*:" >&2
		grep -o "<p class=\"err\"[^<]*</p>" page >&2
		return 1
	fi
	events >after.jsonl &&
	test_cmp before.jsonl after.jsonl
}

test_expect_success 'record forms without the token, with a wrong one or another session'"'"'s are refused (403), nothing stored' '
	login n1 >/dev/null &&
	events >before &&
	test "$(post c01 /cases/$CASE_A/events type=happybaby.contact occurred=2025-09-30 mode=room)" = 403 &&
	test_grep "CSRF" page &&
	test "$(post c01 /cases/$CASE_A/events csrf=0123 type=happybaby.contact occurred=2025-09-30 mode=room)" = 403 &&
	get n1 / >/dev/null && other=$(csrf) &&
	test "$(post c01 /cases/$CASE_A/events "csrf=$other" type=happybaby.contact occurred=2025-09-30 mode=room)" = 403 &&
	test "$(post c01 /logout csrf=$other)" = 403 &&
	events >after &&
	test_cmp before after
'

test_expect_success 'each form refuses bad input at its field, in English, nothing stored (422)' '
	post_refused n1 422 f-happybaby-contact-occurred type=happybaby.contact occurred=2099-01-01 mode=home &&
	test_grep "a date later than today cannot be recorded" page &&
	test_grep "<details open><summary>Happy baby contact</summary>" page &&
	test_grep "value=\"2099-01-01\"" page &&
	post_refused n1 422 f-interview-8month-mode type=interview.8month occurred=2025-09-30 &&
	test_grep "this field is required" page &&
	post_refused n1 422 f-class-attended-room type=class.attended occurred=2025-09-30 room=nosuch partner=1 &&
	post_refused n1 422 f-checkup-attended-session type=checkup.attended occurred=2025-09-30 session=checkup:nosuch &&
	post_refused n1 422 f-room-visited-room type=room.visited occurred=2025-09-30 room= &&
	post_refused n1 422 f-referral-made-to type=referral.made occurred=2025-09-30 to= reason=x &&
	post_refused n1 422 f-birth-registered-children type=birth.registered occurred=2025-09-30 birth_date=2025-06-20 children=0 &&
	test_grep "a whole number from 1 to 16" page &&
	post_refused n1 422 f-birth-registered-occurred type=birth.registered occurred=2025-02-30 birth_date=2025-06-20 children=1 &&
	test_grep "not a date (for example 2025-04-01)" page &&
	post_refused n1 422 f-support-flagged-reason type=support.flagged occurred=2025-09-30 reason= &&
	post_refused n1 422 f-support-cleared-occurred type=support.cleared occurred=someday &&
	post_refused n1 422 f-case-transferred-district type=case.transferred occurred=2025-09-30 district= &&
	post_refused n1 422 f-case-closed-reason type=case.closed occurred=2025-09-30 reason=bogus &&
	test_grep "choose one of the options" page
'

test_expect_success 'the journal'"'"'s own refusal is shown at the form too (a second birth), nothing stored' '
	post_refused n1 422 "" type=birth.registered occurred=2025-09-30 birth_date=2025-06-21 children=1 &&
	test_grep "<details open><summary>Birth</summary>" page &&
	test_grep "birth.registered" page &&
	test_grep "Nothing was recorded" page
'

test_expect_success 'a nurse retracts a record from its history row; it stays, struck through' '
	line=$(events | grep "\"type\":\"happybaby.contact\"") &&
	id=$(echo "$line" | sed "s/.*\"id\":\"\([^\"]*\)\".*/\1/") &&
	seq=$(echo "$line" | sed "s/.*\"seq\":\([0-9]*\),.*/\1/") &&
	test "$(get n1 /cases/$CASE_A)" = 200 &&
	test_grep "id=\"retract-$seq\"" page &&
	test_grep "<input type=\"hidden\" name=\"target\" value=\"$id\">" page &&
	get c01 /cases/$CASE_A >/dev/null && ! grep -q "id=\"retract-" page &&
	post_refused n1 422 r-$seq-reason type=event.retracted target=$id occurred=2025-10-01 reason= &&
	test_grep "<details open><summary>Retract this record</summary>" page &&
	post_refused n1 422 retract-target type=event.retracted target=0b6f1c1e-9999-4aaa-8bbb-000000000009 \
	    occurred=2025-10-01 reason=wrong &&
	post_refused c01 403 "" type=event.retracted target=$id occurred=2025-10-01 reason=wrong &&
	get n1 /cases/$CASE_A >/dev/null &&
	test "$(post n1 /cases/$CASE_A/events "csrf=$(csrf)" type=event.retracted target=$id \
	    occurred=2025-10-01 "reason=recorded for the wrong family")" = 303 &&
	events | tail -1 | grep "\"type\":\"event.retracted\".*\"actor\":\"n1\"" &&
	test "$(get n1 /cases/$CASE_A)" = 200 &&
	test_grep "<tr class=\"retracted\" data-type=\"happybaby.contact\">" page &&
	test_grep "recorded for the wrong family" page &&
	! grep -q "id=\"retract-$seq\"" page &&
	test "$(get c01 /)" = 200 &&
	test_grep "No happy baby contact" page
'

test_expect_success 'the errors are in Japanese on a Japanese page' '
	get n1 "/?lang=ja" >/dev/null &&
	post_refused n1 422 f-happybaby-contact-occurred type=happybaby.contact occurred=2099-01-01 mode=home &&
	test_grep "今日より後の日付は記録できません" page &&
	post_refused n1 422 f-class-attended-room type=class.attended occurred=2025-09-30 room=nosuch &&
	test_grep "記録できません: " page &&
	get n1 "/?lang=en" >/dev/null
'

test_expect_success 'a form of a type the role may not record, or of no type, is refused (403)' '
	post_refused c01 403 "" type=case.closed occurred=2025-09-30 reason=completed &&
	post_refused c01 403 "" type=handbook.issued occurred=2025-09-30 &&
	post_refused c01 403 "" occurred=2025-09-30 &&
	login a1 >/dev/null &&
	post_refused a1 403 "" type=happybaby.contact occurred=2025-09-30 mode=home
'

# status_is WHO PATH WANT: GET PATH as WHO answers WANT.
status_is() {
	_got=$(get "$1" "$2")
	[ "$_got" = "$3" ] || { echo "$1 GET $2: expected $3, got $_got" >&2; return 1; }
}

test_expect_success 'roles on each page' '
	login c02 >/dev/null && login ad >/dev/null && login in1 >/dev/null &&
	status_is c01 /risk 200 && status_is c01 /annual 200 &&
	status_is c01 /cases/$CASE_B 403 && test_grep "not one of your cases" page &&
	status_is c02 /cases/$CASE_A 403 && status_is c02 /cases/$CASE_B 200 &&
	status_is n1 / 200 && status_is n1 /risk 200 && status_is n1 /annual 200 &&
	status_is n1 /cases/$CASE_A 200 && status_is n1 /cases/$CASE_B 200 &&
	status_is a1 / 200 && status_is a1 /risk 200 && status_is a1 /annual 200 &&
	status_is a1 /cases/$CASE_B 200 &&
	! grep -q "<form method=\"post\" class=\"record\"" page &&
	test_grep "<table id=\"history\">" page &&
	status_is ad / 303 && status_is ad /annual 200 &&
	status_is ad /risk 403 && status_is ad /cases/$CASE_A 403 &&
	status_is in1 / 200 && test_grep "action=\"/go\"" page &&
	status_is in1 /risk 403 && status_is in1 /annual 403 &&
	status_is in1 /cases/$CASE_A 200 &&
	test_grep "id=\"form-happybaby.contact\"" page &&
	! grep -q "<table id=\"history\">" page &&
	status_is in1 /download/annual.csv 403
'

test_expect_success 'an unknown case is 404, a case number box leads to its page' '
	status_is n1 /cases/0b6f1c1e-9999-4aaa-8bbb-000000000009 404 &&
	status_is n1 /cases/nonsense 404 &&
	status_is n1 /cases/$CASE_A/nothing 404 &&
	curl -s -o /dev/null -w "%{redirect_url}" -b in1.jar "$URL/go?case=$(echo $CASE_A | tr a-f A-F)" >out &&
	test "$(cat out)" = "$URL/cases/$CASE_A" &&
	status_is in1 "/go?case=x" 400
'

test_expect_success 'the risk list by flag and district' '
	status_is n1 "/risk?flag=support-needed" 200 &&
	test_grep "<h2 id=\"h-support-needed\">" page &&
	test_grep "data-case=\"$CASE_B\"" page &&
	status_is n1 "/risk?flag=support-needed&district=%E9%99%BD%E5%85%89%E5%8F%B0" 200 &&
	test_grep "id=\"risk-none\"" page
'

test_expect_success 'the annual page and its downloads: the reports'"'"' own html, xlsx and csv' '
	status_is ad "/annual?fy=2025" 200 &&
	test_grep "data-key=\"checkups_held\">1<" page &&
	test_grep "<figure class=\"chart\">" page &&
	curl -s -D hdr -o annual.csv -b ad.jar -H "Accept-Language: en" "$URL/download/annual.csv?fy=2025" &&
	grep -i "^content-type: text/csv" hdr &&
	grep -i "^content-disposition: attachment; filename=\"oyako-annual-FY2025.csv\"" hdr &&
	oyako annual -J j --fy 2025 --format csv --lang en >want.csv &&
	test_cmp want.csv annual.csv &&
	curl -s -o annual.xlsx -b ad.jar "$URL/download/annual.xlsx?fy=2025" &&
	test "$(head -c 2 annual.xlsx)" = PK &&
	curl -s -o annual.html -b ad.jar "$URL/download/annual.html?fy=2025" &&
	test_grep "<!DOCTYPE html>" annual.html &&
	test_grep "href=\"/download/annual.csv?fy=2025&amp;encoding=sjis\"" page &&
	curl -s -D hdr -o sjis.csv -b ad.jar -H "Accept-Language: en" \
	    "$URL/download/annual.csv?fy=2025&encoding=sjis" &&
	grep -i "^content-type: text/csv; charset=Shift_JIS" hdr &&
	oyako annual -J j --fy 2025 --format csv --encoding sjis --lang en >want.csv &&
	test_cmp want.csv sjis.csv &&
	status_is ad "/download/annual.xlsx?fy=2025&encoding=sjis" 400 &&
	status_is ad /download/annual.pdf 404 &&
	status_is ad "/download/annual.csv?fy=x" 400 &&
	status_is ad "/annual?fy=12" 400
'

test_expect_success 'the access log holds paths only, never a query string' '
	! grep "?" "$SERVE_LOG" &&
	grep "^GET /risk 200 n1 " "$SERVE_LOG"
'

test_expect_success 'sign-out needs the token, then the session is gone' '
	status_is c01 / 200 &&
	test "$(post c01 /logout "csrf=$(csrf)")" = 303 &&
	status_is c01 / 303
'

test_expect_success 'repeated failed sign-ins of one name are slowed (429)' '
	for i in 1 2 3 4 5 6; do
		get guest /login >/dev/null &&
		post guest /login "csrf=$(csrf)" name=c02 password=wrong >status || return 1
	done &&
	test "$(cat status)" = 429 &&
	test_grep "too many failed sign-ins" page
'

test_expect_success 'the server stops cleanly' '
	serve_stop
'

test_done
