/*
 * signals_lex.c - the lexicons compiled into one byte trie, and the scan that finds every
 * phrase of every lexicon in a normalized text in one pass.
 *
 * Input: the generated table fj__lex_entries (libfakejob/lexicons/NAME.txt, one `TAG PHRASE`
 * a line; see fee.txt for the format). Each phrase is normalized with the same pipeline as
 * posting text, so "QQ", "ＱＱ" and "qq" are one phrase and Traditional spellings match too.
 * The trie is flat (see struct fj__lexicon). A scan starts a walk at each character boundary
 * (in English text, at each word start); most walks stop after a byte or two.
 */
#include "signals/signals.h"
#include "text/text.h"

#include <stdlib.h>
#include <string.h>

enum { NEED_START = 1, NEED_END = 2 };
enum { DENSE_MIN = 4 }; /* a node of this many children or more gets a dense row */

/* Two roots share the node pool: node 0 holds every phrase; node 1 only the phrases that may
 * start inside a word (a leading `*`), used where the previous byte is a letter or digit, so
 * that English text is walked from word starts only. Nodes one byte below a root, and nodes of
 * DENSE_MIN children or more, have a dense 256-entry row; the others keep their edges sorted by
 * byte. */
struct fj__lexicon {
    uint32_t *edge_from; /* node n's edges are edge_from[n] .. edge_from[n + 1] - 1 */
    uint8_t *edge_byte;
    uint32_t *edge_to;
    int32_t *dense_row; /* per node: its row in `dense`, or -1 */
    uint32_t *dense;    /* rows of 256 child nodes (0 = none) */
    uint32_t *out_from; /* node n's entries are out_entry[out_from[n] .. out_from[n + 1]) */
    uint32_t *out_entry;
    uint8_t *flags; /* per entry: NEED_START / NEED_END word boundaries */
    size_t nnodes;
    uint8_t alnum[256]; /* 1 for an ASCII letter or digit: the word test of the scan */
};

static const char *const lex_files[FJ_LEX_COUNT] = {
    [FJ_LEX_BAIT_DUTY] = "bait_duty.txt",
    [FJ_LEX_TITLE_ROLE] = "title_role.txt",
    [FJ_LEX_ALWAYS_HIRING] = "always_hiring.txt",
    [FJ_LEX_CANCEL] = "cancel.txt",
    [FJ_LEX_COMPANY_WORD] = "company_word.txt",
    [FJ_LEX_CONTACT] = "contact.txt",
    [FJ_LEX_CONTACT_ID] = "contact_id.txt",
    [FJ_LEX_EXTERNAL] = "external.txt",
    [FJ_LEX_FEE] = "fee.txt",
    [FJ_LEX_FEE_OBJECT] = "fee_object.txt",
    [FJ_LEX_FEE_VERB] = "fee_verb.txt",
    [FJ_LEX_FREEMAIL] = "freemail.txt",
    [FJ_LEX_LARGE_CLAIM] = "large_claim.txt",
    [FJ_LEX_MLM] = "mlm.txt",
    [FJ_LEX_PAY] = "pay.txt",
    [FJ_LEX_PAY_PERIOD] = "pay_period.txt",
    [FJ_LEX_PERSONAL] = "personal.txt",
    [FJ_LEX_PRESSURE] = "pressure.txt",
    [FJ_LEX_REG_LABEL] = "reg_label.txt",
    [FJ_LEX_REMOTE] = "remote.txt",
    [FJ_LEX_TASK] = "task.txt",
    [FJ_LEX_TITLE_MONEY] = "title_money.txt",
    [FJ_LEX_VAGUE_NAME] = "vague_name.txt",
};

const char *fj__lex_file(fj_lex lex)
{
    return (unsigned)lex < FJ_LEX_COUNT ? lex_files[lex] : "?";
}

static bool is_alnum_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The trie while it is built: first-child / next-sibling lists. */
typedef struct build_node {
    uint32_t child, sibling;
    uint8_t byte;
} build_node;

typedef struct builder {
    build_node *n;
    size_t len, cap;
} builder;

static uint32_t builder_add(builder *b, uint8_t byte)
{
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        build_node *n = realloc(b->n, cap * sizeof *n);
        if (!n)
            return 0;
        b->n = n;
        b->cap = cap;
    }
    b->n[b->len] = (build_node){0, 0, byte};
    return (uint32_t)b->len++;
}

/* The node reached from `at` by `byte`, created when missing (children kept sorted). */
static uint32_t builder_child(builder *b, uint32_t at, uint8_t byte)
{
    uint32_t prev = 0, c = b->n[at].child;
    while (c && b->n[c].byte < byte) {
        prev = c;
        c = b->n[c].sibling;
    }
    if (c && b->n[c].byte == byte)
        return c;
    uint32_t k = builder_add(b, byte);
    if (!k)
        return 0;
    b->n[k].sibling = c;
    if (prev)
        b->n[prev].sibling = k;
    else
        b->n[at].child = k;
    return k;
}

void fj__lexicon_free(fj__lexicon *lx)
{
    if (!lx)
        return;
    free(lx->edge_from);
    free(lx->edge_byte);
    free(lx->edge_to);
    free(lx->dense_row);
    free(lx->dense);
    free(lx->out_from);
    free(lx->out_entry);
    free(lx->flags);
    free(lx);
}

/* (node, entry): a phrase ending at a node, sorted into out_from/out_entry at the end. */
typedef struct out_pair {
    uint32_t node, entry;
} out_pair;

static int cmp_pair(const void *a, const void *b)
{
    const out_pair *x = a, *y = b;
    if (x->node != y->node)
        return x->node < y->node ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* Insert `t` below `root`; returns the end node, or 0 on allocation failure. */
static uint32_t insert(builder *b, uint32_t root, const unsigned char *t, size_t len)
{
    uint32_t at = root;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = builder_child(b, at, t[i]);
        if (!c)
            return 0;
        at = c;
    }
    return at;
}

fj_status fj__lexicon_build(fj_context *ctx, fj__lexicon **out, fj_error *err)
{
    *out = NULL;
    fj_status st = FJ_OK;
    size_t ne = fj__lex_entry_count;
    builder b = {0};
    fj_normtext nt = {0};
    size_t npairs = 0;
    out_pair *pairs = malloc((2 * ne + 1) * sizeof *pairs);
    fj__lexicon *lx = calloc(1, sizeof *lx);
    builder_add(&b, 0); /* node 0: the root of every phrase (0 doubles as "failed") */
    builder_add(&b, 0); /* node 1: the root of the phrases that may start inside a word */
    if (!lx || !pairs || b.len != 2 || !(lx->flags = calloc(ne ? ne : 1, 1))) {
        st = fj__nomem(err);
        goto done;
    }
    for (size_t e = 0; e < ne; e++) {
        const fj__lex_entry *le = &fj__lex_entries[e];
        const char *ph = le->phrase;
        size_t len = strlen(ph);
        bool literal = strspn(ph, "*") == len; /* "**" is itself */
        bool star_start = !literal && ph[0] == '*';
        bool star_end = !literal && len > 1 && ph[len - 1] == '*';
        if (star_start) {
            ph++;
            len--;
        }
        if (star_end)
            len--;
        st = fj__normalize_into(ctx, ph, len, &nt, err);
        if (st != FJ_OK)
            goto done;
        if (nt.text.len == 0) {
            st = fj__errorf(err, FJ_ERR_INTERNAL,
                            "lexicon %s line %u: phrase '%s' is empty after normalization",
                            fj__lex_file((fj_lex)le->lex), (unsigned)le->line, le->phrase);
            goto done;
        }
        const unsigned char *t = (const unsigned char *)nt.text.data;
        if (!star_start && is_alnum_byte(t[0]))
            lx->flags[e] |= NEED_START;
        if (!star_end && is_alnum_byte(t[nt.text.len - 1]))
            lx->flags[e] |= NEED_END;
        uint32_t end = insert(&b, 0, t, nt.text.len);
        if (!end) {
            st = fj__nomem(err);
            goto done;
        }
        pairs[npairs++] = (out_pair){end, (uint32_t)e};
        if (star_start && is_alnum_byte(t[0])) {
            end = insert(&b, 1, t, nt.text.len);
            if (!end) {
                st = fj__nomem(err);
                goto done;
            }
            pairs[npairs++] = (out_pair){end, (uint32_t)e};
        }
    }
    /* Flatten: each node's children become a run of the edge arrays, in byte order; nodes
     * right below a root also get a dense row. */
    size_t nn = b.len;
    lx->nnodes = nn;
    lx->edge_from = malloc((nn + 1) * sizeof *lx->edge_from);
    lx->edge_byte = malloc(nn);
    lx->edge_to = malloc(nn * sizeof *lx->edge_to);
    lx->dense_row = malloc(nn * sizeof *lx->dense_row);
    lx->out_from = calloc(nn + 1, sizeof *lx->out_from);
    lx->out_entry = malloc((npairs ? npairs : 1) * sizeof *lx->out_entry);
    if (!lx->dense_row) {
        st = fj__nomem(err);
        goto done;
    }
    /* Dense rows: the two roots, the nodes right below them, and any node of DENSE_MIN
     * children or more (the lead bytes of common Han characters), so that a binary search
     * never takes more than two probes. */
    for (size_t n = 0; n < nn; n++)
        lx->dense_row[n] = -1;
    int32_t row = 0;
    lx->dense_row[0] = row++;
    lx->dense_row[1] = row++;
    for (uint32_t r = 0; r < 2; r++)
        for (uint32_t c = b.n[r].child; c; c = b.n[c].sibling)
            if (lx->dense_row[c] < 0)
                lx->dense_row[c] = row++;
    for (size_t n = 2; n < nn; n++) {
        unsigned kids = 0;
        for (uint32_t c = b.n[n].child; c; c = b.n[c].sibling)
            kids++;
        if (kids >= DENSE_MIN && lx->dense_row[n] < 0)
            lx->dense_row[n] = row++;
    }
    lx->dense = calloc((size_t)row * 256, sizeof *lx->dense);
    if (!lx->edge_from || !lx->edge_byte || !lx->edge_to || !lx->out_from || !lx->out_entry ||
        !lx->dense) {
        st = fj__nomem(err);
        goto done;
    }
    for (unsigned c = 0; c < 256; c++)
        lx->alnum[c] = is_alnum_byte((unsigned char)c);
    uint32_t nedges = 0;
    for (size_t n = 0; n < nn; n++) {
        lx->edge_from[n] = nedges;
        for (uint32_t c = b.n[n].child; c; c = b.n[c].sibling) {
            if (lx->dense_row[n] >= 0) {
                lx->dense[(size_t)lx->dense_row[n] * 256 + b.n[c].byte] = c;
            } else {
                lx->edge_byte[nedges] = b.n[c].byte;
                lx->edge_to[nedges] = c;
                nedges++;
            }
        }
    }
    lx->edge_from[nn] = nedges;
    /* A walk starts at a character only, never at a continuation byte: the scan reads the
     * roots' rows without testing for one. */
    for (unsigned c = 0x80; c < 0xC0; c++)
        lx->dense[c] = lx->dense[256 + c] = 0;
    /* Outputs per node, in file order. */
    qsort(pairs, npairs, sizeof *pairs, cmp_pair);
    for (size_t k = 0; k < npairs; k++) {
        lx->out_from[pairs[k].node + 1]++;
        lx->out_entry[k] = pairs[k].entry;
    }
    for (size_t n = 0; n < nn; n++)
        lx->out_from[n + 1] += lx->out_from[n];
done:
    free(b.n);
    free(pairs);
    fj__normtext_free(&nt);
    if (st != FJ_OK) {
        fj__lexicon_free(lx);
        return st;
    }
    *out = lx;
    return FJ_OK;
}

static inline uint32_t step(const fj__lexicon *lx, uint32_t node, uint8_t byte)
{
    int32_t row = lx->dense_row[node];
    if (row >= 0)
        return lx->dense[(size_t)row * 256 + byte];
    uint32_t lo = lx->edge_from[node], end = lx->edge_from[node + 1], hi = end;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (lx->edge_byte[mid] < byte)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < end && lx->edge_byte[lo] == byte ? lx->edge_to[lo] : 0;
}

bool fj__lexicon_scan(const fj__lexicon *lx, const char *text, size_t len, fj__matchvec *out)
{
    const unsigned char *t = (const unsigned char *)text;
    /* Rows 0 and 1 of `dense` are the two roots: the first step is one load, chosen by
     * whether both this byte and the one before it are letters or digits (inside a word). Most
     * bytes start no phrase and cost nothing more. */
    const uint32_t *roots = lx->dense;
    unsigned prev = 0; /* the byte before i is a letter or digit */
    for (size_t i = 0; i < len; i++) {
        unsigned c = t[i], a = lx->alnum[c];
        uint32_t node = roots[((prev & a) << 8) | c];
        bool start_ok = !prev;
        prev = a;
        if (!node)
            continue;
        for (size_t j = i + 1; node; j++) {
            for (uint32_t k = lx->out_from[node]; k < lx->out_from[node + 1]; k++) {
                uint32_t e = lx->out_entry[k];
                uint8_t f = lx->flags[e];
                if ((f & NEED_START) && !start_ok)
                    continue;
                if ((f & NEED_END) && j < len && lx->alnum[t[j]])
                    continue;
                if (out->n == out->cap) {
                    size_t cap = out->cap ? out->cap * 2 : 256;
                    fj__lexmatch *v = realloc(out->v, cap * sizeof *v);
                    if (!v)
                        return false;
                    out->v = v;
                    out->cap = cap;
                }
                out->v[out->n++] = (fj__lexmatch){e, (uint32_t)i, (uint32_t)j};
            }
            if (j >= len)
                break;
            node = step(lx, node, t[j]);
        }
    }
    return true;
}

size_t fj__match_lower_bound(const fj__lexmatch *m, size_t n, uint32_t start)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m[mid].start < start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

void fj__matchvec_free(fj__matchvec *mv)
{
    if (!mv)
        return;
    free(mv->v);
    memset(mv, 0, sizeof *mv);
}
