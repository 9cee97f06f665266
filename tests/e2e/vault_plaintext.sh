#!/bin/sh
# No plaintext person data in the journal directory: after the person data
# of 1,000 generated cases is imported, none of their names, kana (as
# written and in katakana), phones or addresses is in any file of it.
. "$(dirname "$0")/lib.sh"
OYAKO_KEY_FILE=$TMP/key
OYAKO_ACTOR=nurse:N07
export OYAKO_KEY_FILE OYAKO_ACTOR

test_expect_success 'setup: 1,000 generated cases with person data' '
	oyako-gen --seed 7 --births 700 --until 2026-03-31 -o ev.jsonl --persons all.jsonl &&
	head -1000 all.jsonl >p.jsonl && test $(wc -l <p.jsonl) -eq 1000 &&
	oyako -J j init && oyako -J j import ev.jsonl >/dev/null &&
	oyako key init key >/dev/null &&
	oyako -J j person import p.jsonl >out && test_grep "of 1000 lines" out
'

# Every value, one a line: names and kana as written, without their space,
# kana in katakana, phones, addresses.
test_expect_success 'the values to look for' '
	for f in name kana phone address; do
		grep -o "\"$f\":\"[^\"]*\"" p.jsonl | cut -d\" -f4 || return 1
	done >values &&
	grep -o "\"\\(name\\|kana\\)\":\"[^\"]*\"" p.jsonl | cut -d\" -f4 | tr -d " " >>values &&
	grep -o "\"kana\":\"[^\"]*\"" p.jsonl | cut -d\" -f4 |
	    sed "y/あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをんがぎぐげござじずぜぞだぢづでどばびぶべぼぱぴぷぺぽぁぃぅぇぉっゃゅょ/アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンガギグゲゴザジズゼゾダヂヅデドバビブベボパピプペポァィゥェォッャュョ/" >>values &&
	sort -u values -o values && test $(wc -l <values) -gt 3000 &&
	grep -q "ヤマダ\\|サトウ\\|スズキ" values
'

test_expect_success 'the search works: the values are found in the input (a control)' '
	LC_ALL=C grep -a -F -c -f values p.jsonl >n && test $(cat n) -eq 1000
'

test_expect_success 'no value is in any file of the journal directory' '
	ls j | grep -q vault.mdb && ls j | grep -q "vault.keys" &&
	! LC_ALL=C grep -a -F -r -l -f values j
'

test_expect_success 'after reads (show, find, --names), still none' '
	c=$(head -1 p.jsonl | cut -d\" -f4) &&
	oyako -J j person show $c >/dev/null &&
	kana=$(head -1 p.jsonl | grep -o "\"kana\":\"[^\"]*\"" | cut -d\" -f4) &&
	oyako -J j person find "$kana" | grep -q "$c" &&
	oyako -J j caseload --names --as-of 2026-03-01 >/dev/null &&
	! LC_ALL=C grep -a -F -r -l -f values j
'

test_expect_success 'vault files are mode 0600' '
	for f in j/vault.mdb j/vault.keys.*; do
		test "$(stat -c %a "$f")" = 600 || return 1
	done
'

# core_off PID: waits (bounded) until the process has core files off;
# fails if it ends first or never does.
core_off() {
	_i=0
	while [ $_i -lt 200 ]; do
		grep -q "^Max core file size  *0  *0 " /proc/$1/limits 2>/dev/null && return 0
		[ -d /proc/$1 ] || return 1
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

# listening FILE: waits (bounded) for the server's ready line: a TERM sent
# before it has its handlers (core files go off first) would kill it.
listening() {
	_i=0
	while [ $_i -lt 200 ]; do
		grep -q "^listening on " "$1" 2>/dev/null && return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	return 1
}

test_expect_success 'no core files: the person tools and the server hold plain text and keys' '
	mkfifo in &&
	{ oyako-person set 11111111-1111-4111-8111-111111111111 -J j <in >/dev/null 2>&1 & pid=$!; } &&
	exec 3>in &&
	{ core_off $pid; ok=$?; } &&
	exec 3>&- && { wait $pid; test $ok = 0; } &&
	{ oyako-serve -J j --listen 127.0.0.1:0 >serve.out 2>serve.err & pid=$!; } &&
	{ core_off $pid; ok=$?; } &&
	listening serve.out &&
	{ kill -TERM $pid || cat serve.err; } && wait $pid && test $ok = 0
'

test_done
