/* Minimal assertion helpers shared by the unit tests. Each CHECK counts; a
 * test program returns non-zero when any CHECK failed, so CTest sees it. */
#ifndef EXTXIP_TESTUTIL_H
#define EXTXIP_TESTUTIL_H
#include <stdio.h>
#include <string.h>

static int tu_failures;
static int tu_checks;

#define CHECK(cond)                                                              \
    do {                                                                         \
        tu_checks++;                                                             \
        if (!(cond)) {                                                           \
            tu_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

#define CHECK_EQ(a, b)                                                           \
    do {                                                                         \
        long long tu_a_ = (long long)(a), tu_b_ = (long long)(b);                \
        tu_checks++;                                                             \
        if (tu_a_ != tu_b_) {                                                    \
            tu_failures++;                                                       \
            fprintf(stderr, "%s:%d: CHECK_EQ failed: %s == %lld, %s == %lld\n",  \
                    __FILE__, __LINE__, #a, tu_a_, #b, tu_b_);                   \
        }                                                                        \
    } while (0)

#define CHECK_MEM(a, b, n) CHECK(memcmp((a), (b), (n)) == 0)

/* Call at the end of main: prints a one-line summary, returns the exit code. */
static inline int tu_finish(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, tu_checks, tu_failures);
    return tu_failures ? 1 : 0;
}
#endif
