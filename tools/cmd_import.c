/*
 * cmd_import.c - `fakejob import emscad|orfd [-o FILE] [--keep-unlabelled] [--strict] [-q]
 * FILE.csv...`: the public datasets' CSV files to corpus JSONL, one posting a line (stdout, or
 * FILE with -o). Malformed rows are reported on stderr with their file and line and skipped;
 * counts per file go to stderr at the end.
 *
 * Exit status: 0 every row was read; 1 some rows (or a header) were malformed, or --strict
 * stopped at the first; 2 bad flags; 3 an input could not be read or the output written.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPORTED 50 /* malformed rows reported per file; the rest are only counted */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob import emscad|orfd [OPTIONS] FILE.csv...\n"
            "Convert a public dataset's CSV (EMSCAD / Kaggle fake_job_postings.csv, or ORFD)\n"
            "to corpus JSONL, one posting per line. FILE '-' is standard input.\n\n"
            "  -o, --output FILE     write to FILE instead of standard output\n"
            "  --keep-unlabelled     also write rows without a usable label, without `label`\n"
            "                        (ORFD Real/Fake 2 or empty; they are skipped by default)\n"
            "  --strict              stop at the first malformed row\n"
            "  -q, --quiet           no counts on standard error (errors are still shown)\n"
            "  -h, --help            this help\n\n"
            "Exit status: 0 all rows read, 1 malformed rows, 2 bad usage, 3 unreadable input or\n"
            "unwritable output.\n");
}

int cmd_import(int argc, char **argv)
{
    const char *output = NULL;
    unsigned flags = 0;
    bool strict = false, quiet = false;
    int fmt = -1;
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) {
        cli_warn("import", "out of memory");
        return CLI_FAIL;
    }
    bool only_files = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_files || (a[0] != '-' || strcmp(a, "-") == 0)) {
            if (fmt < 0) {
                fmt = fj_import_format_from_name(a);
                if (fmt < 0) {
                    cli_warn("import", "unknown format '%s' (expected emscad or orfd)", a);
                    free(files);
                    return CLI_USAGE;
                }
            } else {
                files[nfiles++] = argv[i];
            }
        } else if (strcmp(a, "--") == 0) {
            only_files = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            if (i + 1 >= argc) {
                cli_warn("import", "%s needs a file name", a);
                free(files);
                return CLI_USAGE;
            }
            output = argv[++i];
        } else if (strcmp(a, "--keep-unlabelled") == 0 || strcmp(a, "--keep-unlabeled") == 0) {
            flags |= FJ_IMPORT_KEEP_UNLABELLED;
        } else if (strcmp(a, "--strict") == 0) {
            strict = true;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            quiet = true;
        } else {
            cli_warn("import", "unknown option '%s'", a);
            usage(stderr);
            free(files);
            return CLI_USAGE;
        }
    }
    if (fmt < 0 || nfiles == 0) {
        cli_warn("import", fmt < 0 ? "no format given" : "no CSV file given");
        usage(stderr);
        free(files);
        return CLI_USAGE;
    }

    FILE *out = stdout;
    if (output && strcmp(output, "-") != 0) {
        out = fopen(output, "wb");
        if (!out) {
            cli_warn("import", "cannot write '%s': %s", output, strerror(errno));
            free(files);
            return CLI_IO;
        }
    }
    int status = CLI_OK;
    for (int f = 0; f < nfiles; f++) {
        const char *path = strcmp(files[f], "-") == 0 ? "/dev/stdin" : files[f];
        const char *shown = strcmp(files[f], "-") == 0 ? "<stdin>" : files[f];
        fj_importer *imp;
        fj_error err;
        fj_error_clear(&err);
        fj_status st = fj_importer_open(&imp, (fj_import_format)fmt, path, flags, &err);
        if (st != FJ_OK) {
            cli_warn("import", "%s: %s", shown, err.message);
            if (st == FJ_ERR_IO || st == FJ_ERR_NOMEM)
                status = CLI_IO;
            else if (status == CLI_OK)
                status = CLI_FAIL;
            if (strict)
                break;
            continue;
        }
        bool stop = false;
        for (;;) {
            const char *json;
            size_t len;
            st = fj_importer_next(imp, &json, &len, &err);
            if (st == FJ_OK) {
                if (!json)
                    break;
                fwrite(json, 1, len, out);
                putc('\n', out);
                continue;
            }
            if (st == FJ_ERR_INPUT || st == FJ_ERR_LIMIT) {
                fj_import_stats s;
                fj_importer_stats(imp, &s);
                if (s.errors <= MAX_REPORTED)
                    cli_warn("import", "%s: %s", shown, err.message);
                else if (s.errors == MAX_REPORTED + 1)
                    cli_warn("import", "%s: more malformed rows; only counting them now", shown);
                if (status == CLI_OK)
                    status = CLI_FAIL;
                if (strict) {
                    stop = true;
                    break;
                }
                continue;
            }
            cli_warn("import", "%s: %s", shown, err.message);
            status = CLI_IO;
            break;
        }
        fj_import_stats s;
        fj_importer_stats(imp, &s);
        if (!quiet)
            cli_warn("import",
                     "%s: %lld rows read: %lld written, %lld skipped (no usable label), %lld "
                     "malformed",
                     shown, (long long)s.rows, (long long)s.written, (long long)s.skipped,
                     (long long)s.errors);
        fj_importer_close(imp);
        if (stop)
            break;
    }
    if (fflush(out) != 0 || ferror(out)) {
        cli_warn("import", "cannot write '%s'", output ? output : "<stdout>");
        status = CLI_IO;
    }
    if (out != stdout && fclose(out) != 0 && status != CLI_IO) {
        cli_warn("import", "cannot write '%s'", output);
        status = CLI_IO;
    }
    free(files);
    return status;
}
