#!/bin/sh
# oyako serve: who may do what, as a table (specs/server.md, "Roles"):
# every role, and no account at all, against every endpoint.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"

CASE=case:c1a5e000-0000-4000-8000-00000000000b
CASEQ=case%3Ac1a5e000-0000-4000-8000-00000000000b

test_expect_success 'setup: one account of each role' '
	serve_journal &&
	mkuser intake:I1 intake && echo "intake $TOKEN" >tokens &&
	mkuser coord:C01 coordinator C01 && echo "coordinator $TOKEN" >>tokens &&
	mkuser nurse:N07 nurse && echo "nurse $TOKEN" >>tokens &&
	mkuser audit:A1 auditor && echo "auditor $TOKEN" >>tokens &&
	mkuser admin:X1 admin && echo "admin $TOKEN" >>tokens &&
	echo "anon -" >>tokens &&
	serve_start && echo "URL=$URL" >env
'
. ./env

n=0
# row METHOD PATH "STATUS for intake coordinator nurse auditor admin anon" [BODY TYPE]
row() {
	_m=$1 _p=$2 _want=$3 _type=${4:-}
	_out=
	while read -r role tok; do
		n=$((n + 1))
		set -- $_want
		case $role in
		intake) w=$1 ;; coordinator) w=$2 ;; nurse) w=$3 ;; auditor) w=$4 ;; admin) w=$5 ;; anon) w=$6 ;;
		esac
		if [ -n "$_type" ]; then
			[ "$_type" = room.visited ] && pre=2 || pre=3
			id=$(printf "${pre}0000000-0000-4000-8000-%012d" $n)
			body=$(printf '{"id":"%s","type":"%s","stream":"%s","occurred":"2025-09-01","data":%s}' \
			    "$id" "$_type" "$CASE" "$(data_of "$_type")")
			got=$(req "$_m" "$_p" "$tok" -H "Content-Type: application/json" --data-binary "$body")
		else
			# A feed stays open: its status is known at once.
			case $_p in /v1/feed*) mt=2 ;; *) mt=120 ;; esac
			got=$(req "$_m" "$_p" "$tok" --max-time $mt)
		fi
		[ "$got" = "$w" ] || _out="$_out $role:$got(want $w)"
	done <tokens
	[ -z "$_out" ] || { echo "$_m $_p:$_out" >&2; return 1; }
}

data_of() {
	case $1 in
	room.visited) echo '{"room":"kokinu"}' ;;
	support.flagged) echo '{"reason":"test"}' ;;
	esac
}

#                                                  intake coord nurse audit admin anon
test_expect_success 'POST /v1/events, a contact' '
	row POST /v1/events                            "201 201 201 403 403 401" room.visited
'
test_expect_success 'POST /v1/events, not a contact' '
	row POST /v1/events                            "403 403 201 403 403 401" support.flagged
'
test_expect_success 'GET /v1/events' '
	row GET /v1/events                             "403 403 200 200 403 401"
'
test_expect_success 'GET /v1/feed' '
	row GET /v1/feed                               "403 403 403 200 403 401"
'
test_expect_success 'GET /v1/streams/{case of C01}' '
	row GET /v1/streams/$CASEQ                     "403 200 200 200 403 401"
'
test_expect_success 'GET /v1/reports/annual' '
	row GET "/v1/reports/annual?fy=R7"             "403 200 200 200 200 401"
'
test_expect_success 'GET /v1/reports/caseload' '
	row GET "/v1/reports/caseload?as_of=2025-10-01" "403 200 200 200 403 401"
'
test_expect_success 'GET /v1/reports/risk' '
	row GET "/v1/reports/risk?as_of=2025-10-01"    "403 200 200 200 403 401"
'
test_expect_success 'GET /v1/reports/audit' '
	row GET "/v1/reports/audit?fy=2025"            "403 403 403 200 403 401"
'
test_expect_success 'GET /v1/verify' '
	row GET /v1/verify                             "403 403 403 200 403 401"
'
test_expect_success 'GET /v1/health' '
	row GET /v1/health                             "200 200 200 200 200 200"
'
test_expect_success 'GET /metrics' '
	row GET /metrics                               "403 403 403 200 200 401"
'

test_expect_success 'a refused request stored nothing' '
	oyako export -J j --after-seq 32 >new &&
	test "$(wc -l <new)" -eq 4 &&
	test "$(grep -c "\"type\":\"support.flagged\"" new)" -eq 1 &&
	grep -q "\"actor\":\"coord:C01\"" new && grep -q "\"actor\":\"intake:I1\"" new
'

test_expect_success 'a coordinator: not the cases of another coordinator' '
	mkuser coord:C02 coordinator C02 &&
	expect_status 403 GET /v1/streams/$CASEQ "$TOKEN" &&
	test "$(jget "d[\"error\"]")" = forbidden &&
	expect_status 403 GET /v1/streams/room%3Akokinu "$TOKEN"
'

test_expect_success 'a coordinator: its own caseload and risk only' '
	C01=$(sed -n "s/^coordinator //p" tokens) &&
	expect_status 403 GET "/v1/reports/caseload?as_of=2025-10-01&coordinator=C02" "$C01" &&
	expect_status 403 GET "/v1/reports/risk?as_of=2025-10-01&coordinator=C02" "$C01" &&
	expect_status 200 GET "/v1/reports/caseload?as_of=2025-10-01&coordinator=C01" "$C01" &&
	test "$(jget "[c[\"coordinator\"] for c in d[\"coordinators\"]], d[\"unassigned\"]")" = "[[\"C01\"], []]" &&
	expect_status 200 GET "/v1/reports/risk?as_of=2025-10-01" "$C01" &&
	oyako risk -J j --as-of 2025-10-01 --coordinator C01 --format json >want &&
	$PY -c "import json; assert json.load(open(\"want\")) == json.load(open(\"body\"))"
'

test_expect_success 'stop' '
	serve_stop
'

test_done
