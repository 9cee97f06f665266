#!/bin/sh
# Installs the Debian packages oyako needs when they are missing.  Called by
# every make target, so a fresh Debian 12 machine needs nothing but make.
# pkg-config name -> Debian package
set -u
need=""
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
for pair in lmdb:liblmdb-dev msgpack:libmsgpack-dev libsodium:libsodium-dev \
    jansson:libjansson-dev uuid:uuid-dev cmocka:libcmocka-dev sqlite3:libsqlite3-dev \
    libmicrohttpd:libmicrohttpd-dev xlsxwriter:libxlsxwriter-dev; do
	pc=${pair%%:*} pkg=${pair#*:}
	pkg-config --exists "$pc" 2>/dev/null || need="$need $pkg"
done
for pair in sqlite3:sqlite3 valgrind:valgrind python3:python3 mdb_stat:lmdb-utils curl:curl openssl:openssl \
    iconv:libc-bin chromium:chromium chromedriver:chromium-driver; do
	cmd=${pair%%:*} pkg=${pair#*:}
	command -v "$cmd" >/dev/null 2>&1 || need="$need $pkg"
done
# Japanese glyphs for the browser tests' screenshots and the printed reports.
[ -d /usr/share/fonts/opentype/noto ] || need="$need fonts-noto-cjk"
# The tests read what we write with real readers, in Debian's own python3
# (/usr/bin/python3: a python3 earlier on PATH may not see these modules).
for pair in openpyxl:python3-openpyxl selenium:python3-selenium; do
	mod=${pair%%:*} pkg=${pair#*:}
	/usr/bin/python3 -c "import $mod" >/dev/null 2>&1 || need="$need $pkg"
done
[ -z "$need" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing packages:$need (install them, or run make as root on Debian)" >&2
	exit 1
fi
echo "deps: installing$need" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2 && apt-get install -y -qq $need >&2
