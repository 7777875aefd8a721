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

/* One named case of a test program (CTest registers one test per name). */
typedef struct tu_case {
    const char *name;
    void (*fn)(void);
} tu_case_t;

/* Run the case named argv[1], or all of them when there is no argument, then
 * tu_finish("<prefix>_<case>" or "<prefix>_all"). Returns the exit code; 2
 * (and a message) when no case has that name. Use TU_RUN for a static table. */
static inline int tu_run(const char *prefix, const tu_case_t *cases, size_t n, int argc,
                         char **argv)
{
    const char *want = argc > 1 ? argv[1] : NULL;
    int ran = 0;
    for (size_t i = 0; i < n; i++) {
        if (want && strcmp(want, cases[i].name) != 0)
            continue;
        cases[i].fn();
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "%s: no such case: %s\n", prefix, want ? want : "");
        return 2;
    }
    char name[128];
    snprintf(name, sizeof name, "%s_%s", prefix, want ? want : "all");
    return tu_finish(name);
}
#define TU_RUN(prefix, cases, argc, argv) \
    tu_run((prefix), (cases), sizeof(cases) / sizeof((cases)[0]), (argc), (argv))
#endif
