# The JSONL reader of the commands (tools/cli_util.c): lines longer than 64 KiB,
# CRLF line ends, a last line without '\n', blank lines, and a read error naming the file.
# (sourced by tests/cli.sh: FJ, srcdir, t, expect_out, expect_err)
rd_dir=/tmp/fj-cli-reader.$$
mkdir -p "$rd_dir"
rd_long=$(awk 'BEGIN { for (i = 0; i < 30000; i++) printf "payroll "; }')
{
    printf '{"id":"r1","title":"Clerk","description":"%s"}\r\n' "$rd_long"
    printf '\n   \n'
    printf '{"id":"r2","title":"Clerk","description":"%s"}\n' "$rd_long"
    printf '{"id":"r3","title":"Clerk","description":"Process invoices."}'
} >"$rd_dir/in.jsonl"
t reader-blocks 0 "$FJ" score --model "$srcdir/models/default" "$rd_dir/in.jsonl"
expect_out reader-blocks '"id":"r1"'
expect_out reader-blocks '"id":"r3"'
t reader-blocks-count 0 test "$(grep -c '"score"' /tmp/fj-cli.$$.out)" -eq 3
# the same bytes through a pipe, in pieces smaller than a line
t reader-pipe 0 sh -c "dd if='$rd_dir/in.jsonl' bs=1000 2>/dev/null | '$FJ' score --model '$srcdir/models/default' -"
t reader-pipe-count 0 test "$(grep -c '"score"' /tmp/fj-cli.$$.out)" -eq 3
# a directory cannot be read: exit 3 and the file named (the input ends there:
# tests/cli.d/70-failsafe.sh has the rest of the read-error rules)
t reader-dir 3 "$FJ" score --model "$srcdir/models/default" "$rd_dir" "$rd_dir/in.jsonl"
expect_err reader-dir "cannot read '$rd_dir'"
rm -rf "$rd_dir"
