/* mcumgr_progress on a terminal (BAR mode, into a memory stream): a note between
 * redraws clears the bar's line, prints the note and draws the bar again below it;
 * a note once the bar is at 100 % ends the bar for good (the phases after an upload:
 * no "99% ETA 0:00" redrawn under each phase), and finish then prints nothing more.
 * A resume point is not drawn, and the rate counts from it (issue 26 #7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcumgr_progress.h"

static int fails;
#define CHECK(c)                                                                  \
    do {                                                                          \
        if (!(c)) {                                                               \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #c);          \
            fails++;                                                              \
        }                                                                         \
    } while (0)

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)) != NULL; p += strlen(what))
        n++;
    return n;
}

int main(void)
{
    const long long S = 1000000000LL;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    mcumgr_progress_t p;

    /* A note mid-upload: cleared line, the note, the bar again. */
    mcumgr_progress_start(&p, f, MCUMGR_PROGRESS_BAR, 1000, 0);
    mcumgr_progress_update(&p, 500, 1 * S);
    mcumgr_progress_note(&p, "phase one", 2 * S);
    fflush(f);
    CHECK(strstr(buf, "\r\033[Kphase one\n\r[") != NULL);
    CHECK(count(buf, " 50%") == 2);

    /* At 100 %: the bar ends with a newline, the notes follow, no bar under them. */
    mcumgr_progress_update(&p, 1000, 3 * S);
    fflush(f);
    size_t mark = len;
    mcumgr_progress_note(&p, "marking", 4 * S);
    mcumgr_progress_note(&p, "resetting", 5 * S);
    mcumgr_progress_finish(&p, 1000, 6 * S);
    fflush(f);
    const char *tail = buf + mark;
    CHECK(strstr(tail, "100%") != NULL);
    CHECK(strstr(tail, "\nmarking\nresetting\n") != NULL);
    CHECK(strstr(strstr(tail, "marking"), "[") == NULL); /* no bar after the phases */
    fclose(f);
    free(buf);

    /* Resume at 480 of 1000: nothing drawn at the resume point; the next line's rate is
     * what was sent since (100 bytes in 1 s), not 0 B/s and not 580 B/s. */
    buf = NULL;
    f = open_memstream(&buf, &len);
    mcumgr_progress_start(&p, f, MCUMGR_PROGRESS_PLAIN, 1000, 0);
    mcumgr_progress_resume(&p, 480, 10 * S);
    fflush(f);
    CHECK(len == 0);
    mcumgr_progress_update(&p, 580, 11 * S);
    fflush(f);
    CHECK(strstr(buf, "upload:  58%") != NULL);
    CHECK(strstr(buf, "100 B/s") != NULL);
    CHECK(strstr(buf, " 0 B/s") == NULL);
    fclose(f);
    free(buf);

    /* Plain: the 100 % line is printed once, before the first phase, also when the
     * total shrank to what was sent (image upgrade: bytes the device already had). */
    buf = NULL;
    f = open_memstream(&buf, &len);
    mcumgr_progress_start(&p, f, MCUMGR_PROGRESS_PLAIN, 1000, 0);
    mcumgr_progress_update(&p, 500, 1 * S);
    mcumgr_progress_update(&p, 990, 2 * S);
    p.total = 990; /* dfu_bar_drop */
    mcumgr_progress_note(&p, "marking", 3 * S);
    mcumgr_progress_note(&p, "resetting", 4 * S);
    mcumgr_progress_finish(&p, 990, 5 * S);
    fflush(f);
    CHECK(count(buf, "upload: 100%") == 1);
    CHECK(strstr(buf, "upload: 100%") != NULL &&
          strstr(buf, "upload: 100%") < strstr(buf, "marking"));
    CHECK(strstr(buf, "resetting\n") != NULL && strstr(strstr(buf, "resetting"), "upload") == NULL);
    fclose(f);
    free(buf);
    /* Plain, the 100 % line already printed by an update: not again. */
    buf = NULL;
    f = open_memstream(&buf, &len);
    mcumgr_progress_start(&p, f, MCUMGR_PROGRESS_PLAIN, 1000, 0);
    mcumgr_progress_update(&p, 500, 1 * S);
    mcumgr_progress_update(&p, 1000, 2 * S);
    mcumgr_progress_note(&p, "marking", 3 * S);
    mcumgr_progress_finish(&p, 1000, 4 * S);
    fflush(f);
    CHECK(count(buf, "upload: 100%") == 1);
    fclose(f);
    free(buf);

    if (fails)
        fprintf(stderr, "%d failed\n", fails);
    else
        printf("mcumgr_progress: ok\n");
    return fails != 0;
}
