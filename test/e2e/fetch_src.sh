#!/usr/bin/env bash
# scripts/fetch-debian-src, which the firmware build uses for BearSSL/mbedTLS:
# it must take whatever Debian revision of the upstream release the archive
# carries (a revision bump must not break a fresh clone), prefer the host's
# own revision when offered, refuse another upstream release, and refuse a
# tree whose compiled files differ from scripts/debian-src.sums.
# apt-cache, apt-get and dpkg-query are stand-ins on PATH here: the script's
# choices are what is tested, not Debian's archive.
set -u
: "${SRC:?}"
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
mkdir -p "$t/bin"
# The stand-ins: OFFERED is what the archive has, HOSTVER the host's binary
# package; apt-get source records what it was asked for and unpacks a copy of
# the tree in $TREE (the files the sums line names).
cat > "$t/bin/apt-cache" <<'S'
#!/bin/sh
for v in $OFFERED; do echo "Package: bearssl"; echo "Version: $v"; echo; done
S
cat > "$t/bin/dpkg-query" <<'S'
#!/bin/sh
[ -n "$HOSTVER" ] && printf '%s' "$HOSTVER"
S
cat > "$t/bin/apt-get" <<'S'
#!/bin/sh
case "$1" in update) exit 0 ;; source) ;; *) exit 1 ;; esac
echo "$3" > "$ASKED"
up=${3#bearssl=}; up=${up%-*}
mkdir -p "bearssl-$up" && cp -r "$TREE"/. "bearssl-$up/"
S
cat > "$t/bin/sudo" <<'S'
#!/bin/sh
shift; exec "$@"
S
chmod +x "$t/bin/"*
# A tree that hashes to the committed sums line: build one whose files are
# the sums' globs, and a sums file for it beside a copy of the script.
mkdir -p "$t/scripts" "$t/tree/src/ec"
cp "$SRC/scripts/fetch-debian-src" "$t/scripts/"
echo "int p256;" > "$t/tree/src/ec/ec_p256_m15.c"
sum=$(cd "$t/tree" && ls -d src/ec/*.c | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
echo "bearssl 0.6+dfsg.1 $sum src/ec/*.c" > "$t/scripts/debian-src.sums"
run() {  # OFFERED HOSTVER UPSTREAM -> rc; prints the tree
  rm -rf "$t/dest" "$t/asked"
  mkdir -p "$t/apt"
  PATH="$t/bin:$PATH" EXTXIP_APT_SOURCES_DIR="$t/apt" OFFERED=$1 HOSTVER=$2 TREE="$t/tree" ASKED="$t/asked" \
    "$t/scripts/fetch-debian-src" bearssl libbearssl-dev "$3" src/ec/ec_p256_m15.c "$t/dest" 2>"$t/err"
}
out=$(run "0.6+dfsg.1-4" "" 0.6+dfsg.1) || fail "a new Debian revision was refused: $(cat "$t/err")"
[ "$(cat "$t/asked" 2>/dev/null)" = "bearssl=0.6+dfsg.1-4" ] || fail "asked for $(cat "$t/asked" 2>/dev/null), not the revision offered"
[ "$out" = "$t/dest/bearssl-0.6+dfsg.1" ] || fail "tree path '$out'"
run "0.6+dfsg.1-3 0.6+dfsg.1-5" "0.6+dfsg.1-3" 0.6+dfsg.1 >/dev/null || fail "the host's revision was refused"
[ "$(cat "$t/asked" 2>/dev/null)" = "bearssl=0.6+dfsg.1-3" ] || fail "did not prefer the host's own revision: $(cat "$t/asked")"
run "0.6+dfsg.1-3 0.6+dfsg.1-5" "0.6+dfsg.1-2" 0.6+dfsg.1 >/dev/null || fail "refused when the host's revision is gone"
[ "$(cat "$t/asked" 2>/dev/null)" = "bearssl=0.6+dfsg.1-5" ] || fail "did not take the newest revision: $(cat "$t/asked")"
run "0.7-1" "" 0.6+dfsg.1 >/dev/null && fail "another upstream release was taken"
grep -q "no source of bearssl 0.6+dfsg.1" "$t/err" || fail "no clear line for a missing release: $(cat "$t/err")"
echo "int patched;" >> "$t/tree/src/ec/ec_p256_m15.c"
run "0.6+dfsg.1-4" "" 0.6+dfsg.1 >/dev/null && fail "a tree whose compiled files differ was taken"
grep -q "differs from the sources the firmware was checked against" "$t/err" || fail "no clear line for a patched tree: $(cat "$t/err")"
[ $fails = 0 ] && echo "ok: any revision of the release, host's preferred, other releases and patched trees refused"
exit $((fails > 0))
