#!/bin/sh
# tests/fuzz/build.sh MODE: builds the fuzz targets into build-fuzz/MODE/.
#   fuzz    clang, libFuzzer + ASan + UBSan (for `make fuzz`)
#   replay  cc + ASan + UBSan, with replay_main.c instead of libFuzzer (for
#           `make check`: no clang needed)
# Prints the directory of the binaries.  The library, projections, vault and
# CLI helpers are compiled from source with the same instrumentation.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
mode=$1
out=build-fuzz/$mode
mkdir -p "$out/obj"
pkgs="lmdb msgpack libsodium jansson uuid xlsxwriter"
flags="-std=c11 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined"
inc="-Ijournal -Iprojections -Ivault -Itools/common -Itests/fuzz $(pkg-config --cflags $pkgs)"
libs="$(pkg-config --libs $pkgs) -lm -lpthread"
case $mode in
fuzz)	cc=${FUZZ_CC:-clang}; main=""; tflags="-fsanitize=fuzzer"
	# Coverage of the library too, or libFuzzer fuzzes blind.
	flags="$flags -fsanitize=fuzzer-no-link" ;;
replay)	cc=${CC:-cc}; main=tests/fuzz/replay_main.c; tflags="" ;;
*)	echo "usage: build.sh fuzz|replay" >&2; exit 2 ;;
esac
# Objects are rebuilt when their source or a header is newer.
newest_h=$(ls -t journal/*.h projections/*.h vault/*.h tools/common/*.h tests/fuzz/*.h | head -1)
objs=""
# tools/common/ holds the vault's CLI helpers: the vault comes along.
for src in journal/*.c projections/*.c vault/*.c tools/common/*.c $main; do
	o=$out/obj/$(echo "$src" | tr / _ | sed 's/\.c$/.o/')
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$newest_h" -nt "$o" ]; then
		$cc $flags $inc -c "$src" -o "$o"
	fi
	objs="$objs $o"
done
for t in tests/fuzz/fuzz_*.c; do
	name=$(basename "$t" .c)
	$cc $flags $tflags $inc "$t" $objs $libs -o "$out/$name"
done
echo "$out"
