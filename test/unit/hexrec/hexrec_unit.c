/* it_hex_foreach: every field of a record is checked before use, data
 * records arrive with their full 32-bit address, and a bad file gets one
 * line naming its line number. */
#include <stdio.h>
#include <string.h>

#include "hexrec.h"
#include "testutil.h"

typedef struct seen {
    int n;
    uint32_t addr[8];
    size_t len[8];
    uint8_t first[8];
    int stop_at; /* return 7 from this call (1-based), 0 = never */
} seen_t;

static int rec(void *ctx, uint32_t addr, const uint8_t *d, size_t n)
{
    seen_t *s = ctx;
    if (s->n < 8) {
        s->addr[s->n] = addr;
        s->len[s->n] = n;
        s->first[s->n] = d[0];
    }
    s->n++;
    return s->stop_at && s->n == s->stop_at ? 7 : 0;
}

static int run(const char *text, seen_t *s, it_err_t *e)
{
    memset(s, 0, sizeof *s);
    e->msg[0] = 0;
    return it_hex_foreach((const uint8_t *)text, strlen(text), rec, s, e);
}

int main(void)
{
    seen_t s;
    it_err_t e;
    /* Two windows (type 04), CRLF lines, a start address record (05). */
    const char *good = ":020000040000FA\r\n:040010006162636462\r\n:020000041012D8\n"
                       ":040000006162636472\n:0400000500010000F6\n:00000001FF\n";
    CHECK_EQ(run(good, &s, &e), 0);
    CHECK_EQ(s.n, 2);
    CHECK_EQ(s.addr[0], 0x10u);
    CHECK_EQ(s.addr[1], 0x10120000u);
    CHECK_EQ(s.len[1], 4u);
    CHECK_EQ(s.first[1], 'a');
    /* The callback's value stops the walk and is returned. */
    memset(&s, 0, sizeof s);
    s.stop_at = 1;
    CHECK_EQ(it_hex_foreach((const uint8_t *)good, strlen(good), rec, &s, &e), 7);
    CHECK_EQ(s.n, 1);
    /* Without a callback: the check alone. */
    CHECK_EQ(it_hex_foreach((const uint8_t *)good, strlen(good), NULL, NULL, &e), 0);

    static const struct {
        const char *text, *want;
    } bad[] = {
        {":040010006162636463\n:00000001FF\n", "line 1: checksum error"},
        {":0500100061626364F6\n:00000001FF\n", "line 1: record length mismatch"},
        {":0400100061626364F\n:00000001FF\n", "line 1: malformed record"},
        {"0400100061626364F6\n", "line 1: malformed record"},
        {":04001000616263G4F6\n", "line 1: bad hex digit"},
        {":00000001FF\n", NULL}, /* fine: the end record alone */
        {":0100000402F9\n:00000001FF\n", "line 1: bad linear address record"},
        {":03000002000000FB\n:00000001FF\n", "line 1: bad segment record"},
        {":020000050000F9\n:00000001FF\n", "line 1: bad start address record"},
        {":00000006FA\n", "line 1: unknown record type 6"},
        /* 0xffff0000 + 0xfffe + 4 bytes: past 4 GiB */
        {":02000004FFFFFC\n:04FFFE006162636475\n:00000001FF\n", "line 2: address beyond 4 GiB"},
        {":040010006162636462\n", "no end-of-file record"},
        {"\n\n:040010006162636463\n", "line 3: checksum error"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = run(bad[i].text, &s, &e);
        if (!bad[i].want) {
            CHECK_EQ(rc, 0);
            continue;
        }
        CHECK(rc != 0);
        CHECK(strstr(e.msg, bad[i].want) != NULL);
        if (!strstr(e.msg, bad[i].want))
            printf("  case %zu: got '%s'\n", i, e.msg);
    }
    /* A line longer than any record (5 + 255 bytes) is refused, not copied. */
    char longl[1 + 2 * 300 + 2];
    longl[0] = ':';
    memset(longl + 1, '0', 2 * 300);
    longl[1 + 2 * 300] = '\n';
    longl[2 + 2 * 300] = 0;
    CHECK(run(longl, &s, &e) != 0);
    CHECK(strstr(e.msg, "record too long") != NULL);
    /* The checksum error comes before any record reaches the callback. */
    CHECK(run(":040010006162636463\n", &s, &e) != 0);
    CHECK_EQ(s.n, 0);
    return tu_finish("hexrec_unit");
}
