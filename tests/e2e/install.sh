#!/bin/sh
# make install puts what an intake program needs in place: it builds with
# pkg-config alone and appends to a journal.
. "$(dirname "$0")/lib.sh"

case $OYAKO_BIN in
*build-san*) echo "ok 1 - # SKIP install is checked in the normal pass"; echo "1..1"; exit 0 ;;
esac

test_expect_success 'make install into a prefix' '
	make -s -C "$TOP" install PREFIX="$TMP/prefix" >/dev/null &&
	test -f "$TMP/prefix/include/oyako/journal.h" &&
	test -f "$TMP/prefix/include/oyako/jsonl.h" &&
	test -f "$TMP/prefix/lib/liboyako.a" &&
	test -L "$TMP/prefix/lib/liboyako.so" &&
	test -f "$TMP/prefix/lib/pkgconfig/oyako.pc" &&
	test -f "$TMP/prefix/share/man/man1/oyako.1" &&
	test -x "$TMP/prefix/bin/oyako"
'

test_expect_success 'the shared library carries its soname' '
	objdump -p "$TMP/prefix/lib/liboyako.so.1" | grep -q "SONAME *liboyako.so.1"
'

test_expect_success 'the example intake program builds with pkg-config' '
	PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig" &&
	export PKG_CONFIG_PATH &&
	cc -o intake "$TOP/examples/intake.c" $(pkg-config --cflags --libs oyako)
'

test_expect_success 'and appends to a journal' '
	oyako -J j init &&
	LD_LIBRARY_PATH="$TMP/prefix/lib" ./intake j 11111111-1111-4111-8111-111111111111 陽光台 2026-06-01 >seq &&
	echo 1 >want && test_cmp want seq &&
	oyako -J j export --type handbook.issued >out &&
	test_grep "\"district\":\"陽光台\"" out
'

test_expect_success 'a second opening of the same case is refused (exit 3)' '
	test_must_fail 3 env LD_LIBRARY_PATH="$TMP/prefix/lib" ./intake j 11111111-1111-4111-8111-111111111111 陽光台 2026-06-01 2>err &&
	test_grep "already" err
'

test_expect_success 'a bad due date is refused naming the field (exit 3)' '
	test_must_fail 3 env LD_LIBRARY_PATH="$TMP/prefix/lib" ./intake j 22222222-1111-4111-8111-111111111111 陽光台 2026-02-30 2>err &&
	test_grep "data.due_date" err
'

test_done
