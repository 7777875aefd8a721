#include "mcumgr_progress.h"

#include <string.h>
#include <unistd.h>

static void human(char *buf, size_t cap, double v)
{
    if (v < 1024.0)
        snprintf(buf, cap, "%.0f B", v);
    else if (v < 1024.0 * 1024.0)
        snprintf(buf, cap, "%.1f KiB", v / 1024.0);
    else
        snprintf(buf, cap, "%.2f MiB", v / (1024.0 * 1024.0));
}

void mcumgr_progress_format(char *buf, size_t cap, size_t done, size_t total, double rate)
{
    char a[32], b[32], r[32], eta[32];
    human(a, sizeof a, (double)done);
    human(b, sizeof b, (double)total);
    human(r, sizeof r, rate);
    if (rate > 0.0 && done <= total) {
        double s = (double)(total - done) / rate;
        if (s > 359999.0)
            s = 359999.0;
        unsigned sec = (unsigned)(s + 0.5);
        snprintf(eta, sizeof eta, "%u:%02u", sec / 60, sec % 60);
    } else {
        snprintf(eta, sizeof eta, "--:--");
    }
    snprintf(buf, cap, "%s / %s  %s/s  ETA %s", a, b, r, eta);
}

mcumgr_progress_mode_t mcumgr_progress_auto_mode(int quiet, int fd)
{
    if (quiet)
        return MCUMGR_PROGRESS_NONE;
    return isatty(fd) ? MCUMGR_PROGRESS_BAR : MCUMGR_PROGRESS_PLAIN;
}

void mcumgr_progress_start(mcumgr_progress_t *p, FILE *out, mcumgr_progress_mode_t mode,
                           size_t total, long long now_ns)
{
    memset(p, 0, sizeof *p);
    p->out = out;
    p->mode = mode;
    p->total = total;
    p->start_ns = now_ns;
    p->last_ns = 0;
    p->last_decile = -1;
    p->width = 30;
}

static double rate_of(const mcumgr_progress_t *p, size_t done, long long now_ns)
{
    double secs = (double)(now_ns - p->start_ns) / 1e9;
    if (secs <= 0.0 || done < p->start_bytes)
        return 0.0;
    return (double)(done - p->start_bytes) / secs;
}

static void draw(mcumgr_progress_t *p, size_t done, long long now_ns, int final)
{
    char status[128];
    p->any_drawn = 1;
    p->drawn_at = done;
    p->drawn_total = p->total;
    mcumgr_progress_format(status, sizeof status, done, p->total, rate_of(p, done, now_ns));
    unsigned pct = p->total ? (unsigned)((double)done * 100.0 / (double)p->total) : 100;
    if (pct > 100)
        pct = 100;
    if (p->mode == MCUMGR_PROGRESS_BAR) {
        char bar[128];
        int w = p->width < (int)sizeof bar - 1 ? p->width : (int)sizeof bar - 1;
        int fill = p->total ? (int)((double)done * w / (double)p->total) : w;
        if (fill > w)
            fill = w;
        for (int i = 0; i < w; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[w] = '\0';
        fprintf(p->out, "\r[%s] %3u%%  %s\033[K%s", bar, pct, status, final ? "\n" : "");
        p->drawn = !final;
    } else {
        fprintf(p->out, "upload: %3u%%  %s\n", pct, status);
    }
    fflush(p->out);
}

void mcumgr_progress_update(mcumgr_progress_t *p, size_t done, long long now_ns)
{
    if (p->mode == MCUMGR_PROGRESS_NONE)
        return;
    if (p->last_ns == 0 && p->last_bytes == 0 && done > 0 && p->start_bytes == 0 &&
        p->last_decile < 0) {
        /* The first acknowledged offset may be a resume point: rate counts from it. */
        p->start_bytes = done;
        p->start_ns = now_ns;
    }
    p->last_bytes = done;
    if (p->mode == MCUMGR_PROGRESS_BAR) {
        if (now_ns - p->last_ns < 100000000LL) /* 10 redraws a second at most */
            return;
        p->last_ns = now_ns;
        draw(p, done, now_ns, 0);
        return;
    }
    int decile = p->total ? (int)((double)done * 10.0 / (double)p->total) : 10;
    if (decile != p->last_decile || now_ns - p->last_ns >= 5000000000LL) {
        p->last_decile = decile;
        p->last_ns = now_ns;
        draw(p, done, now_ns, 0);
    }
}

void mcumgr_progress_resume(mcumgr_progress_t *p, size_t off, long long now_ns)
{
    p->start_bytes = off;
    p->start_ns = now_ns;
    p->last_bytes = off;
    p->last_ns = now_ns;
    p->last_decile = p->total ? (int)((double)off * 10.0 / (double)p->total) : 10;
}

void mcumgr_progress_note(mcumgr_progress_t *p, const char *line, long long now_ns)
{
    if (p->mode == MCUMGR_PROGRESS_NONE)
        return;
    if (!p->ended && p->total > 0 && p->last_bytes >= p->total && p->last_ns) {
        /* Everything is sent (the total may have shrunk to it: bytes the device had):
         * the bar's last line at 100 % first, once, then the phases. */
        if (!(p->mode == MCUMGR_PROGRESS_PLAIN && p->any_drawn && p->drawn_at == p->last_bytes &&
              p->drawn_total == p->total))
            draw(p, p->last_bytes, now_ns, 1);
        p->ended = 1;
    } else if (p->mode == MCUMGR_PROGRESS_BAR && p->drawn) {
        fputs("\r\033[K", p->out);
    }
    fprintf(p->out, "%s\n", line);
    if (p->mode == MCUMGR_PROGRESS_BAR && !p->ended && p->last_ns)
        draw(p, p->last_bytes, now_ns, 0);
    fflush(p->out);
}

void mcumgr_progress_finish(mcumgr_progress_t *p, size_t done, long long now_ns)
{
    if (p->mode == MCUMGR_PROGRESS_NONE || p->ended)
        return;
    /* A plain line for this very state was already printed. */
    if (p->mode == MCUMGR_PROGRESS_PLAIN && p->any_drawn && p->drawn_at == done &&
        p->drawn_total == p->total)
        return;
    draw(p, done, now_ns, 1);
}
