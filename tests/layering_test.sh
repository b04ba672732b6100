#!/bin/sh
# tests/layering_test.sh - tests/layering.sh on this tree (must pass), and on small trees made to
# break each part of the rule (each must fail, naming the offending include).
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
check="$top/tests/layering.sh"
fails=0
sh "$check" || fails=1

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# broken TREE NAME EXPECTED: a minimal tree, one violation, the message it must give
tree() {
    rm -rf "$tmp/t"
    mkdir -p "$tmp/t/libfakejob/core" "$tmp/t/libfakejob/text" "$tmp/t/libfakejob/model" "$tmp/t/tools"
    echo '#include "fakejob.h"' >"$tmp/t/libfakejob/core/a.h"
    echo '#include "core/a.h"' >"$tmp/t/libfakejob/text/b.h"
    echo '#include "text/b.h"' >"$tmp/t/libfakejob/model/c.c"
    echo '#include "fakejob.h"' >"$tmp/t/tools/cmd.c"
}
expect_fail() {
    out=$(top_srcdir="$tmp/t" sh "$check" 2>&1) && {
        echo "FAIL: $1: the check passed"
        fails=1
        return
    }
    echo "$out" | grep -q "$2" || {
        echo "FAIL: $1: expected '$2' in: $out"
        fails=1
        return
    }
    echo "ok: $1"
}
tree
top_srcdir="$tmp/t" sh "$check" >/dev/null || { echo "FAIL: a clean minimal tree is refused"; fails=1; }
tree
echo '#include "model/x.h"' >>"$tmp/t/libfakejob/text/b.h"
touch "$tmp/t/libfakejob/model/x.h"
expect_fail "an include that goes up" 'text/b.h (text) includes "model/x.h"'
tree
echo '#include "text/b.h"' >>"$tmp/t/libfakejob/core/a.h"
expect_fail "an include cycle" "include cycle"
tree
echo '#include "b.h"' >>"$tmp/t/libfakejob/text/b.h"
expect_fail "an include without its folder" 'without its folder'
tree
echo '#include "core/a.h"' >>"$tmp/t/tools/cmd.c"
expect_fail "the CLI including a private header" 'private header "core/a.h"'
tree
mkdir -p "$tmp/t/libfakejob/misc" && touch "$tmp/t/libfakejob/misc/m.c"
expect_fail "a folder outside the rule" 'not a stage of the rule'
exit $fails
