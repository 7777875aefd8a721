#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }
int main(int argc, char **argv)
{
    int v[8] = {5, 3, 1};
    qsort(v, 8, sizeof v[0], cmp);
    printf("%d %s\n", v[0], argv[0]);
#if PART >= 1
    double d = strtod(argv[1], NULL);
    printf("%f %e\n", d, d);
#endif
#if PART >= 2
    int x; sscanf(argv[1], "%d", &x);
    struct tm t; strptime(argv[2], "%Y", &t); puts(asctime(&t));
    char *p = malloc(64); snprintf(p, 64, "%lld", atoll(argv[1]));
    return (int)strlen(p) + x;
#endif
    return argc;
}
