/* Callgrind client requests for the benchmarks: the real macros when
 * valgrind's header is installed, otherwise no-ops (the programs then print
 * wall time only). */
#ifndef EXTXIP_BENCH_CALLGRIND_COMPAT_H
#define EXTXIP_BENCH_CALLGRIND_COMPAT_H

#if defined(__has_include)
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define HAVE_CALLGRIND 1
#endif
#endif
#ifndef HAVE_CALLGRIND
#define CALLGRIND_ZERO_STATS
#define CALLGRIND_DUMP_STATS_AT(x) (void)(x)
#endif

#endif
