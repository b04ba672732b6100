/*
 * cmd_signals.c - `fakejob signals [OPTIONS] [FILE...]`: the red-flag signals of each posting.
 *
 * Reads postings, one JSON object a line (standard input when no file is given), and writes one
 * JSON object a line per posting, in input order (the format of spec/posting.md, "Signals"):
 *   {"id":"zh-001","lang":"zh","signals":[{"signal":"upfront_fee","value":1,
 *    "evidence":"入职前需缴纳培训费198元","field":"description"},{"signal":"reposts","value":3}]}
 * A posting that cannot be read gets an error result instead ({"id":…,"error":{…}}) and the
 * stream goes on. With --history DB each posting is looked up in a repost history store, then
 * recorded, in input order (fj_history_observe), so `reposts`, `repost_companies` and the age
 * signals are what the posting would have had live. With --detectors FILE the clause detectors
 * of FILE (`fakejob train-signals`) replace the compiled-in ones, to see what other detectors
 * fire on and quote. Exit status: 0 done (error results may have been written); 1 with
 * --strict, some posting could not be read; 2 bad flags; 3 an input, detector or history file
 * could not be opened; 4 the detector file is not a valid detector file.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: fakejob signals [OPTIONS] [FILE...]\n"
            "Print the red-flag signals of each posting (JSONL; standard input when no file is\n"
            "given): one JSON object per posting with every signal that fired, its value and\n"
            "the text that triggered it. The signals are listed in docs/signals.md.\n\n"
            "  --now DATE     the observation time for postings without observed_at\n"
            "                 (ISO 8601; default: now), for reproducible posting_age_days\n"
            "  -H, --history DB  a repost history store (SQLite file, created if needed, or a\n"
            "                 postgresql:// URI): each posting is looked up, then recorded,\n"
            "                 in input order\n"
            "  --history-key FILE  the store's key file (default: $FJ_HISTORY_KEY_FILE, else\n"
            "                 DB.key; made, mode 0600, with a new store)\n"
            "  --detectors FILE  clause detectors to use (default: the compiled-in ones)\n"
            "  --list         print the names of all signals, one a line, and exit\n"
            "  --strict       exit 1 when a posting could not be read\n"
            "  -h, --help     this help\n\n"
            "Exit status: 0 done, 1 (--strict) a posting could not be read, 2 bad usage,\n"
            "3 an input, detector or history file could not be opened, 4 the detector file\n"
            "is not a valid detector file.\n");
}

int cmd_signals(int argc, char **argv)
{
    bool strict = false, only_files = false;
    int64_t now = 0;
    const char *history = NULL, *history_key = NULL, *detpath = NULL;
    char **files = calloc((size_t)argc + 1, sizeof *files);
    int nfiles = 0;
    if (!files) {
        cli_warn("signals", "out of memory");
        return CLI_FAIL;
    }
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (only_files || s[0] != '-' || strcmp(s, "-") == 0) {
            files[nfiles++] = argv[i];
        } else if (strcmp(s, "--") == 0) {
            only_files = true;
        } else if (strcmp(s, "-h") == 0 || strcmp(s, "--help") == 0) {
            usage(stdout);
            free(files);
            return CLI_OK;
        } else if (strcmp(s, "--list") == 0) {
            for (size_t k = 0; k < fj_signal_count(); k++)
                printf("%s\n", fj_signal_name(k));
            free(files);
            return CLI_OK;
        } else if (strcmp(s, "--strict") == 0) {
            strict = true;
        } else if (strcmp(s, "-H") == 0 || strcmp(s, "--history") == 0) {
            if (i + 1 >= argc) {
                cli_warn("signals", "%s needs a value", s);
                free(files);
                return CLI_USAGE;
            }
            history = argv[++i];
        } else if (strcmp(s, "--history-key") == 0) {
            if (i + 1 >= argc) {
                cli_warn("signals", "%s needs a value", s);
                free(files);
                return CLI_USAGE;
            }
            history_key = argv[++i];
        } else if (strcmp(s, "--detectors") == 0) {
            if (i + 1 >= argc) {
                cli_warn("signals", "%s needs a value", s);
                free(files);
                return CLI_USAGE;
            }
            detpath = argv[++i];
        } else if (strcmp(s, "--now") == 0) {
            fj_error e;
            if (i + 1 >= argc) {
                cli_warn("signals", "--now needs a value");
                free(files);
                return CLI_USAGE;
            }
            const char *v = argv[++i];
            if (fj_parse_iso8601(v, strlen(v), &now, &e) != FJ_OK || now == 0) {
                cli_warn("signals", "--now takes an ISO 8601 date, not '%s'", v);
                free(files);
                return CLI_USAGE;
            }
        } else {
            cli_warn("signals", "unknown option '%s'", s);
            usage(stderr);
            free(files);
            return CLI_USAGE;
        }
    }

    fj_error err;
    fj_context *ctx = NULL;
    fj_posting *p = NULL;
    if (fj_context_new(&ctx, &err) != FJ_OK || fj_posting_new(&p, &err) != FJ_OK) {
        cli_warn("signals", "%s", err.message);
        fj_context_free(ctx);
        free(files);
        return CLI_FAIL;
    }
    if (now)
        fj_context_set_now(ctx, now);
    fj_detectors *det = NULL;
    if (detpath) {
        int drc = cli_load_detectors("signals", ctx, detpath, &det);
        if (drc != CLI_OK) {
            fj_posting_free(p);
            fj_context_free(ctx);
            free(files);
            return drc;
        }
    }
    fj_history *hist = NULL;
    if (history && fj_history_open_key(&hist, history, history_key, &err) != FJ_OK) {
        cli_warn("signals", "%s", err.message);
        fj_posting_free(p);
        fj_context_free(ctx);
        fj_detectors_free(det);
        free(files);
        return CLI_IO;
    }

    cli_reader r;
    cli_reader_init(&r, "signals", files, nfiles);
    int status = CLI_OK;
    bool failed = false;
    int rc;
    /* stops at a read error (the reader names the file) or the first write error; with a
     * history store each result is written out before the next posting is recorded */
    while (!ferror(stdout) && (rc = cli_reader_next(&r)) != 0) {
        if (rc == -1)
            continue;
        if (rc < 0)
            break;
        fj_error_clear(&err);
        fj_status st = cli_parse_line(&r, p, &err);
        const fj_signal *sig = NULL;
        size_t n = 0;
        fj_history_stats hs;
        if (st == FJ_OK && hist)
            st = fj_history_observe(hist, ctx, p, &hs, &err);
        if (st == FJ_OK)
            st = fj_signals(ctx, p, hist ? &hs : NULL, &sig, &n, &err);
        if (st != FJ_OK) {
            size_t idlen;
            const char *id = fj_posting_string(p, FJ_FIELD_ID, &idlen);
            if (err.line < 0)
                fj_error_locate(&err, r.path, r.lineno);
            cli_write_error(stdout, id, &err, r.lineno);
            failed = true;
            if (strict)
                break;
            continue;
        }
        cli_write_signals(stdout, p, fj_posting_detect_lang(p), sig, n);
        if (hist || cli_reader_would_wait(&r))
            fflush(stdout); /* delivered before recorded; a terminal or pipe is answered at once */
    }
    if (r.failed)
        status = CLI_IO;
    cli_reader_free(&r);
    fj_history_close(hist);
    fj_posting_free(p);
    fj_context_free(ctx);
    fj_detectors_free(det);
    free(files);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_warn("signals", "cannot write the output: %s", strerror(errno ? errno : EIO));
        return CLI_IO;
    }
    if (status == CLI_OK && failed && strict)
        status = CLI_FAIL;
    return status;
}
