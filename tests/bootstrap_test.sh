#!/bin/sh
# tests/bootstrap_test.sh - bootstrap.sh is quiet unless something fails: one line on success,
# the failing step and the end of its log on failure. Runs a copy of bootstrap.sh in a scratch
# folder with a stand-in configure and Makefile (and dpkg-query saying every package is
# installed), so nothing is installed or rebuilt.
set -u
srcdir=${top_srcdir:-.}
d=$(mktemp -d /tmp/fj-bootstrap.XXXXXX)
trap 'rm -rf "$d"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir "$d/bin" "$d/ok" "$d/bad"
printf '#!/bin/sh\nprintf "install ok installed"\n' >"$d/bin/dpkg-query"
chmod +x "$d/bin/dpkg-query"
for t in ok bad; do
    cp "$srcdir/bootstrap.sh" "$d/$t/"
    cat >"$d/$t/configure" <<'SH'
#!/bin/sh
i=0; while [ $i -lt 100 ]; do echo "checking for thing $i... yes"; i=$((i + 1)); done
SH
    chmod +x "$d/$t/configure"
done
# ok: configure writes a Makefile whose build prints 150 lines
cat >>"$d/ok/configure" <<'SH'
printf 'all:\n\t@for i in $$(seq 150); do echo "  CC thing$$i.lo"; done\n' >Makefile
SH
# bad: configure fails at the end
echo 'echo "configure: error: the last words"; exit 1' >>"$d/bad/configure"

PATH="$d/bin:$PATH" sh "$d/ok/bootstrap.sh" >"$d/ok.out" 2>&1
rc=$?
[ $rc -eq 0 ] || fail "success: exit $rc"
[ "$(wc -l <"$d/ok.out")" -eq 1 ] || fail "success: $(wc -l <"$d/ok.out") lines, expected 1"
grep -q '^bootstrap: built ./fakejob' "$d/ok.out" || fail "success: no summary line"
grep -q 'CC thing150' "$d/ok/bootstrap.log" || fail "success: make's output is not in the log"

PATH="$d/bin:$PATH" sh "$d/bad/bootstrap.sh" >"$d/bad.out" 2>&1
rc=$?
[ $rc -ne 0 ] || fail "failure: exit 0"
grep -q '^bootstrap: configure failed' "$d/bad.out" || fail "failure: the failed step is not named"
grep -q 'configure: error: the last words' "$d/bad.out" || fail "failure: no log tail"
[ "$(wc -l <"$d/bad.out")" -le 32 ] || fail "failure: more than the log's tail"
# the quick start needs python3-venv for the README's pip route
grep -q 'python3-venv' "$srcdir/bootstrap.sh" || fail "bootstrap.sh does not install python3-venv"

[ $fails -eq 0 ] && echo "bootstrap: all passed"
[ $fails -eq 0 ]
