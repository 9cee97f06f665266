#!/bin/sh
# Person data on the server (BRIEF section 11 through section 10): GET and
# PUT /v1/persons/{case}, names=1 on the caseload and risk reports, the
# person.accessed record of every read, the 503 without a key, and the
# pages: person data on the case page, no names for an auditor, no person
# data in the access log.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/pages.inc"

NAME=山田花子 KANA=やまだはなこ PHONE=029-555-0123 ADDR=陽光台1-2-3

# api WHO METHOD PATH [CURL ARGS]: a request with WHO's API token; body in
# ./body; prints the status.
api() {
	_who=$1 _m=$2 _p=$3
	shift 3
	curl -s -o "$TMP/body" -w '%{http_code}' -X "$_m" \
	    -H "Authorization: Bearer $(cat "$TMP/$_who.token")" "$@" "$URL$_p"
}

accesses() {
	oyako -J "$TMP/j" export --type person.accessed
}

pages_journal >setup.out 2>&1 && pages_accounts >>setup.out 2>&1 &&
for u in c01 c02 n1 a1 ad in1; do oyako user -J "$TMP/j" token $u >"$TMP/$u.token"; done &&
serve_start >>setup.out 2>&1
test_expect_success 'setup: a server without a key' '
	test -n "$URL" || { cat setup.out; false; }
'

test_expect_success 'without a key the person routes and names=1 answer 503 naming the key; the rest works' '
	test "$(api n1 GET /v1/persons/$CASE_A)" = 503 &&
	test_grep "\"error\":\"unavailable\"" body &&
	test_grep "--key-file FILE or \$OYAKO_KEY_FILE" body &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "{\"name\":\"x\"}")" = 503 &&
	test "$(api c01 GET "/v1/reports/caseload?names=1")" = 503 &&
	test "$(api c01 GET "/v1/reports/caseload")" = 200 &&
	login n1 >/dev/null && test "$(get n1 /cases/$CASE_A)" = 200 &&
	test_grep "id=\"person-unavailable\"" page &&
	test_grep "no master key" page &&
	test "$(get n1 /)" = 200 &&
	test_grep "<p class=\"alert\" id=\"names-off\">names are not shown: the server has no key" page &&
	test -z "$(accesses)"
'

test_expect_success 'a key file that is given but missing stops the server from starting (exit 6)' '
	serve_stop &&
	! oyako-serve -J "$TMP/j" --listen 127.0.0.1:0 --key-file "$TMP/nokey" >out 2>err &&
	test_must_fail 6 oyako-serve -J "$TMP/j" --listen 127.0.0.1:0 --key-file "$TMP/nokey" 2>err &&
	test_grep "key file '"'"'$TMP/nokey'"'"'" err
'

oyako key init "$TMP/key" >/dev/null 2>&1
OYAKO_KEY_FILE=$TMP/key serve_start >>setup.out 2>&1
test_expect_success 'setup: the server again, with $OYAKO_KEY_FILE' '
	test -n "$URL" && test -s "$TMP/j/vault.mdb"
'

test_expect_success 'PUT /v1/persons/{case} stores person data (nurse), nothing recorded as read' '
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" \
	    -d "{\"name\":\"$NAME\",\"kana\":\"$KANA\",\"phone\":\"$PHONE\",\"address\":\"$ADDR\"}")" = 200 &&
	test "$(api c02 PUT /v1/persons/$CASE_B -H "Content-Type: application/json" -d "{\"name\":\"青木空\"}")" = 200 &&
	test -z "$(accesses)"
'

test_expect_success 'GET /v1/persons/{case} records one person.accessed (actor: the account) before it answers' '
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(jget d[\"name\"] body)" = "$NAME" &&
	test "$(jget d[\"phone\"] body)" = "$PHONE" &&
	accesses >acc &&
	test $(wc -l <acc) = 1 &&
	grep "\"stream\":\"access:n1\"" acc &&
	grep "\"actor\":\"n1\"" acc &&
	grep "\"cases\":\\[\"$CASE_A\"\\]" acc
'

test_expect_success 'the person role table: nurse, the coordinator of the case; others 403; no case 404' '
	test "$(api c01 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(api c01 GET /v1/persons/case:$CASE_A)" = 200 &&
	test "$(api c02 GET /v1/persons/$CASE_A)" = 403 &&
	test "$(api c01 PUT /v1/persons/$CASE_B -H "Content-Type: application/json" -d "{}")" = 403 &&
	for who in a1 ad in1; do
		test "$(api $who GET /v1/persons/$CASE_A)" = 403 &&
		test "$(api $who PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "{}")" = 403 ||
		return 1
	done &&
	test "$(api n1 GET /v1/persons/0b6f1c1e-9999-4aaa-8bbb-000000000009)" = 404 &&
	test "$(api n1 GET /v1/persons/nonsense)" = 404 &&
	accesses >acc && test $(wc -l <acc) = 3
'

test_expect_success 'PUT: null removes a key, bad data is 422 naming the field, nothing stored' '
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "{\"address\":null}")" = 200 &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	! grep -q address body && test_grep "$PHONE" body &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" \
	    -d "{\"mother_birth_date\":\"1990-02-30\",\"name\":\"x\"}")" = 422 &&
	test_grep "\"field\":\"mother_birth_date\"" body &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "{\"shoe\":\"x\"}")" = 422 &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "[1]")" = 422 &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: text/plain" -d "{}")" = 415 &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(jget d[\"name\"] body)" = "$NAME"
'

test_expect_success 'names=1 on caseload and risk: nurse and coordinator only, each read recorded' '
	accesses >before &&
	test "$(api c01 GET "/v1/reports/caseload?names=1")" = 200 &&
	test "$(jget "d[\"coordinators\"][0][\"cases\"][0][\"name\"]" body)" = "$NAME" &&
	test "$(jget "d[\"coordinators\"][0][\"cases\"][0][\"kana\"]" body)" = "$KANA" &&
	test "$(api n1 GET "/v1/reports/risk?names=1")" = 200 &&
	test_grep "\"name\":\"青木空\"" body &&
	test "$(api n1 GET "/v1/reports/caseload")" = 200 && ! grep -q "\"name\"" body &&
	test "$(api a1 GET "/v1/reports/caseload?names=1")" = 403 &&
	test "$(api a1 GET "/v1/reports/risk?names=1")" = 403 &&
	test "$(api ad GET "/v1/reports/caseload?names=1")" = 403 &&
	test "$(api n1 GET "/v1/reports/caseload?names=yes")" = 400 &&
	st=$(api c01 GET "/v1/reports/caseload?names=1&as_of=2025-06-01") && echo "c01 names as_of $st" && test "$st" = 403 &&
	st=$(api c01 GET "/v1/reports/risk?names=1&as_of=2025-06-01") && echo "c01 risk names as_of $st" && test "$st" = 403 &&
	st=$(api c01 GET "/v1/reports/caseload?names=1&as_of=$OYAKO_TODAY") && echo "c01 names today $st" && test "$st" = 200 &&
	st=$(api n1 GET "/v1/reports/risk?names=1&as_of=2025-06-01") && echo "n1 names as_of $st" && test "$st" = 200 &&
	accesses >after &&
	test $(($(wc -l <before) + 4)) = $(wc -l <after) &&
	tail -4 after | head -1 | grep "\"actor\":\"c01\"" &&
	tail -1 after | grep "\"actor\":\"n1\""
'

test_expect_success 'a session of the server before its restart leads to the sign-in page' '
	test "$(get n1 /)" = 303 &&
	test "$(get n1 /cases/$CASE_A)" = 303 &&
	test "$(login n1)" = 303
'

test_expect_success 'the case page shows person data to the nurse and records the read' '
	accesses >before &&
	test "$(get n1 /cases/$CASE_A)" = 200 &&
	test_grep "<dd data-key=\"name\">$NAME</dd>" page &&
	test_grep "<dd data-key=\"phone\">$PHONE</dd>" page &&
	accesses >after &&
	test $(($(wc -l <before) + 1)) = $(wc -l <after) &&
	tail -1 after | grep "\"purpose\":\"page: case\""
'

test_expect_success 'my day shows the coordinator its families by name, and records it' '
	login c01 >/dev/null &&
	accesses >before &&
	test "$(get c01 /)" = 200 &&
	test_grep "$NAME" page &&
	! grep -q "id=\"names-off\"" page &&
	accesses >after &&
	test $(($(wc -l <before) + 1)) = $(wc -l <after) &&
	tail -1 after | grep "\"actor\":\"c01\"" &&
	test "$(get c01 "/?sort=name")" = 200
'

test_expect_success 'the person form: saves, an empty field removes, a bad date is shown at its field' '
	test "$(get n1 /cases/$CASE_A)" = 200 &&
	tok=$(csrf) &&
	test "$(post n1 /cases/$CASE_A/person "csrf=$tok" "name=$NAME" "kana=$KANA" phone= \
	    "address=$ADDR" mother_birth_date=1990-05-01 notes=)" = 303 &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(jget d[\"mother_birth_date\"] body)" = 1990-05-01 &&
	! grep -q phone body &&
	test "$(post n1 /cases/$CASE_A/person "csrf=$tok" "name=changed" mother_birth_date=1990-02-30)" = 422 &&
	test_grep "id=\"p-mother_birth_date-err\"" page &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(jget d[\"name\"] body)" = "$NAME" &&
	test "$(post n1 /cases/$CASE_A/person "name=changed")" = 403 &&
	login a1 >/dev/null &&
	test "$(post a1 /cases/$CASE_A/person "csrf=$(csrf)" "name=changed")" = 403 &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(jget d[\"name\"] body)" = "$NAME"
'

test_expect_success 'an auditor sees no names or person data on any page' '
	for path in / /risk /cases/$CASE_A /cases/$CASE_B /annual; do
		test "$(get a1 $path)" = 200 || return 1
		if grep -q -e "$NAME" -e "$KANA" -e "青木" -e "$ADDR" -e "data-key=\"name\"" page; then
			echo "a name on $path" >&2
			return 1
		fi
	done
'

test_expect_success 'no person data in the server'"'"'s access log' '
	test -s "$SERVE_LOG" &&
	! grep -e "$NAME" -e "$KANA" -e "$PHONE" -e "$ADDR" -e "青木" -e "1990-05-01" "$SERVE_LOG"
'

test_expect_success 'after forget: GET says forgotten (no read recorded), names=1 says (forgotten)' '
	OYAKO_KEY_FILE=$TMP/key oyako forget -J "$TMP/j" --actor nurse:t $CASE_A --reason "asked" &&
	accesses >before &&
	test "$(api n1 GET /v1/persons/$CASE_A)" = 200 &&
	test "$(cat body)" = "{\"forgotten\":true}" &&
	accesses >after && test_cmp before after &&
	test "$(api c01 GET "/v1/reports/caseload?names=1")" = 200 &&
	test "$(jget "d[\"coordinators\"][0][\"cases\"][0][\"name\"]" body)" = "(forgotten)" &&
	test "$(api n1 PUT /v1/persons/$CASE_A -H "Content-Type: application/json" -d "{\"name\":\"x\"}")" = 409 &&
	test "$(get n1 /cases/$CASE_A)" = 200 &&
	test_grep "id=\"person-forgotten\"" page
'

test_expect_success 'the server stops cleanly' '
	serve_stop
'

test_done
