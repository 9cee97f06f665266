#!/bin/sh
# oyako user and the server's authentication: accounts, tokens, sessions,
# the failed-login limit, and a revoke that stops a running server's
# tokens and sessions at once.  Argon2 is slow on purpose: few logins here.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/e2e/serve.inc"

test_expect_success 'user add: an account, and its event in the log (no secret)' '
	serve_journal &&
	echo "nurse:N07-password" | oyako user -J j --actor admin:X1 add nurse:N07 --role nurse &&
	oyako user -J j list >list &&
	grep -q "^nurse:N07	nurse	-	active	" list &&
	oyako export -J j --type staff.account_changed >ev &&
	test "$(wc -l <ev)" -eq 1 &&
	grep -q "\"stream\":\"staff:nurse:N07\"" ev &&
	grep -q "\"actor\":\"admin:X1\"" ev &&
	grep -q "\"data\":{\"change\":\"added\",\"role\":\"nurse\"}" ev &&
	! grep -q password ev
'

test_expect_success 'the account store: 0600, the password only hashed' '
	test "$(stat -c %a j/accounts.mdb)" = 600 &&
	! grep -aq "nurse:N07-password" j/accounts.mdb &&
	grep -aq "argon2id" j/accounts.mdb
'

test_expect_success 'user token: one line, a new token each time, stored hashed' '
	oyako user -J j token nurse:N07 >t1 && oyako user -J j token nurse:N07 >t2 &&
	test "$(wc -l <t1)" -eq 1 && grep -q "^oyk_[0-9a-f]\{64\}$" t1 &&
	! test_cmp t1 t2 >/dev/null &&
	! grep -aq "$(cut -c5- t1)" j/accounts.mdb
'

test_expect_success 'the actor of a change: OYAKO_ACTOR, else cli:LOGIN' '
	echo "coord-password" | OYAKO_ACTOR=admin:env oyako user -J j add coord:C01 --role coordinator --coordinator C01 &&
	echo "intake-password" | oyako user -J j add intake:I1 --role intake &&
	oyako export -J j --type staff.account_changed >ev &&
	grep "staff:coord:C01" ev | grep -q "\"actor\":\"admin:env\".*\"coordinator\":\"C01\"" &&
	grep "staff:intake:I1" ev | grep -q "\"actor\":\"cli:$(id -un)\""
'

test_expect_success 'user refusals: short password, taken name, bad role, bad name' '
	echo "short" | test_must_fail 3 oyako user -J j add x:1 --role nurse 2>err &&
	test_grep "shorter than 8" err &&
	echo "long-enough" | test_must_fail 4 oyako user -J j add nurse:N07 --role nurse &&
	echo "long-enough" | test_must_fail 2 oyako user -J j add x:1 --role boss &&
	echo "long-enough" | test_must_fail 2 oyako user -J j add x:1 --role coordinator &&
	echo "long-enough" | test_must_fail 2 oyako user -J j add x:1 --role nurse --coordinator C01 &&
	echo "long-enough" | test_must_fail 3 oyako user -J j add "bad name" --role nurse &&
	: | test_must_fail 3 oyako user -J j add x:1 --role nurse &&
	test_must_fail 7 oyako user -J j token nobody &&
	test_must_fail 7 oyako user -J j revoke nobody &&
	test_must_fail 2 oyako user -J j frobnicate &&
	test_must_fail 7 oyako user -J nojournal list &&
	test "$(oyako export -J j --type staff.account_changed | wc -l)" -eq 3
'

test_expect_success 'user role: a new role, logged' '
	oyako user -J j --actor admin:X1 role intake:I1 --role nurse &&
	oyako user -J j list | grep -q "^intake:I1	nurse	" &&
	oyako export -J j --type staff.account_changed | tail -1 | grep -q "\"change\":\"role\",\"role\":\"nurse\"" &&
	oyako user -J j --actor admin:X1 role intake:I1 --role intake
'

test_expect_success 'setup: a server (a failed-login window of 10 minutes)' '
	serve_start --login-window 600 && echo "URL=$URL" >env
'
. ./env

test_expect_success 'login: a session cookie (HttpOnly, SameSite=Strict, no Secure on http)' '
	curl -s -D hdr -c jar -o body -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"nurse:N07\",\"password\":\"nurse:N07-password\"}" "$URL/v1/login" &&
	head -1 hdr | grep -q " 200" &&
	grep -i "^set-cookie: oyako_session=" hdr >cookie &&
	grep -q "HttpOnly" cookie && grep -q "SameSite=Strict" cookie && grep -q "Path=/" cookie &&
	! grep -q Secure cookie &&
	test "$(jget "d[\"name\"], d[\"role\"]")" = "[\"nurse:N07\", \"nurse\"]" &&
	test "$(curl -s -o body -w "%{http_code}" -b jar "$URL/v1/events?limit=1")" = 200 &&
	test "$(wc -l <body)" -eq 1
'

test_expect_success 'login refusals: a wrong password 401, a bad body 400, a bad cookie 401' '
	expect_status 401 POST /v1/login - -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"intake:I1\",\"password\":\"wrong-password\"}" &&
	expect_status 400 POST /v1/login - -H "Content-Type: application/json" --data-binary "{\"name\":1}" &&
	expect_status 415 POST /v1/login - -H "Content-Type: text/plain" --data-binary "x" &&
	expect_status 401 GET /v1/events - -b "oyako_session=00000000000000000000000000000000000000000000000000000000000000ff"
'

test_expect_success 'logout: the session stops' '
	cp jar jar2 &&
	test "$(curl -s -o body -w "%{http_code}" -b jar -c jar -X POST "$URL/v1/logout")" = 200 &&
	test "$(curl -s -o body -w "%{http_code}" -b jar2 "$URL/v1/events?limit=1")" = 401
'

test_expect_success 'five failed logins of a name: 429 with Retry-After, even for the right password' '
	for i in 1 2 3 4 5; do
		expect_status 401 POST /v1/login - -H "Content-Type: application/json" \
		    --data-binary "{\"name\":\"coord:C01\",\"password\":\"wrong-$i\"}" || return 1
	done &&
	expect_status 429 POST /v1/login - -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"coord:C01\",\"password\":\"coord-password\"}" -D hdr &&
	test "$(jget "d[\"error\"]")" = too_many_requests &&
	grep -qi "^retry-after: [0-9]" hdr &&
	expect_status 401 POST /v1/login - -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"intake:I1\",\"password\":\"wrong\"}"
'

test_expect_success 'the lock ends with the window' '
	serve_stop && serve_start --login-window 1 && echo "URL=$URL" >env &&
	for i in 1 2 3 4 5 6; do
		req POST /v1/login - -H "Content-Type: application/json" \
		    --data-binary "{\"name\":\"coord:C01\",\"password\":\"wrong-$i\"}" >/dev/null
	done &&
	i=0 &&
	while [ "$(req POST /v1/login - -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"coord:C01\",\"password\":\"coord-password\"}")" = 429 ]; do
		i=$((i + 1)); [ $i -lt 100 ] || return 1; sleep 0.2
	done &&
	test "$(jget "d[\"role\"], d[\"coordinator\"]")" = "[\"coordinator\", \"C01\"]"
'

. ./env

test_expect_success 'revoke: its token and its session stop at once on the running server' '
	TOK=$(oyako user -J j token nurse:N07) && echo "$TOK" >tok &&
	curl -s -c jar -o body -H "Content-Type: application/json" \
	    --data-binary "{\"name\":\"nurse:N07\",\"password\":\"nurse:N07-password\"}" "$URL/v1/login" &&
	expect_status 200 GET "/v1/events?limit=1" "$TOK" &&
	test "$(curl -s -o body -w "%{http_code}" -b jar "$URL/v1/events?limit=1")" = 200 &&
	oyako user -J j --actor admin:X1 revoke nurse:N07 &&
	expect_status 401 GET "/v1/events?limit=1" "$TOK" &&
	test "$(curl -s -o body -w "%{http_code}" -b jar "$URL/v1/events?limit=1")" = 401 &&
	oyako user -J j list | grep -q "^nurse:N07	nurse	-	revoked" &&
	oyako export -J j --type staff.account_changed | tail -1 | grep -q "\"change\":\"revoked\"" &&
	test_must_fail 7 oyako user -J j token nurse:N07
'

test_expect_success 'a revoked name added again: old tokens stay dead, new ones work' '
	echo "new-nurse-password" | oyako user -J j add nurse:N07 --role nurse &&
	TOK=$(cat tok) &&
	expect_status 401 GET "/v1/events?limit=1" "$TOK" &&
	NEW=$(oyako user -J j token nurse:N07) &&
	expect_status 200 GET "/v1/events?limit=1" "$NEW"
'

test_expect_success 'stop' '
	serve_stop
'

test_done
