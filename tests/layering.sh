#!/bin/sh
# tests/layering.sh - the dependency rule of libfakejob/ (libfakejob/README.md), checked.
#
# The library is one folder per pipeline stage, in this order:
#     core  text  io  signals  history  model  train
# A file may include headers of its own folder and of folders earlier in the list, never later
# ones; private headers are included by their folder-qualified path ("text/text.h"), and no two
# headers include each other, directly or through others. The CLI (tools/) and the benchmarks'
# public-API programs include only the installed header, fakejob.h.
# Exit 0 when the rule holds; 1 with every offending include listed otherwise.
set -u
top=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$top" || exit 2
order="core text io signals history model train"

rank() {
    i=0
    for d in $order; do
        [ "$d" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    echo -1
}

bad=0
for f in libfakejob/*/*.c libfakejob/*/*.h; do
    dir=$(echo "$f" | cut -d/ -f2)
    r=$(rank "$dir")
    if [ "$r" -lt 0 ]; then
        echo "layering: $f is in libfakejob/$dir/, which is not a stage of the rule"
        bad=1
        continue
    fi
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case "$inc" in
        fakejob.h) continue ;;
        */*) ;;
        *)
            echo "layering: $f includes \"$inc\" without its folder"
            bad=1
            continue
            ;;
        esac
        idir=${inc%%/*}
        ir=$(rank "$idir")
        if [ "$ir" -lt 0 ] || [ ! -f "libfakejob/$inc" ]; then
            echo "layering: $f includes \"$inc\", which is not a header of the library"
            bad=1
        elif [ "$ir" -gt "$r" ]; then
            echo "layering: $f ($dir) includes \"$inc\" ($idir comes later in: $order)"
            bad=1
        fi
    done
done

# No include cycles among the private headers (a depth-first search over "includes" edges).
edges=$(for h in libfakejob/*/*.h; do
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\/[^"]*\)".*/\1/p' "$h"); do
        echo "${h#libfakejob/} $inc"
    done
done)
cycle=$(echo "$edges" | awk '
    NF == 2 { adj[$1] = adj[$1] " " $2; nodes[$1] = 1; nodes[$2] = 1 }
    function visit(n,   k, m, parts) {
        if (state[n] == 1) { print "layering: include cycle through " n; found = 1; return }
        if (state[n] == 2) return
        state[n] = 1
        k = split(adj[n], parts, " ")
        for (m = 1; m <= k; m++) visit(parts[m])
        state[n] = 2
    }
    END { for (n in nodes) visit(n); exit found }')
if [ -n "$cycle" ]; then
    echo "$cycle"
    bad=1
fi

# Clients of the public API: the CLI includes fakejob.h and its own headers only.
for f in tools/*.c tools/*.h; do
    [ -f "$f" ] || continue
    for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
        case "$inc" in
        fakejob.h) ;;
        */*)
            echo "layering: $f (a client of the public API) includes the private header \"$inc\""
            bad=1
            ;;
        *)
            [ -f "tools/$inc" ] || {
                echo "layering: $f includes \"$inc\", which is neither fakejob.h nor a tools/ header"
                bad=1
            }
            ;;
        esac
    done
done

[ "$bad" -eq 0 ] && echo "layering: the dependency rule holds ($order)"
exit "$bad"
