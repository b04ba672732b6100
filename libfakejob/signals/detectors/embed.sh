#!/bin/sh
# embed.sh FILE - write FILE (the default clause detector file) as a C byte array, the table the
# library parses on first use (fj__default_detectors; signals/clauses.h).
set -e
echo '/* Generated from signals/detectors/default.fjd by embed.sh: do not edit. */'
echo '#include <stddef.h>'
echo 'const unsigned char fj__default_detectors[] = {'
od -An -v -tu1 "$1" | awk '{ s = ""; for (i = 1; i <= NF; i++) s = s $i ","; print s }'
echo '};'
echo "const size_t fj__default_detectors_len = $(wc -c <"$1");"
