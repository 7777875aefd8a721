/* image upgrade's report: per device as text or a table row, and the run as JSON.
 * See mcumgr_dfu_int.h. */
#include <stdio.h>
#include <string.h>

#include "mcumgr_dfu_int.h"

static void json_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(f, "\\%c", ch);
        else if (ch < 0x20 || ch > 0x7e)
            fprintf(f, "\\u%04x", ch);
        else
            fputc(ch, f);
    }
    fputc('"', f);
}

static const char *action_name(action_t a)
{
    switch (a) {
    case A_RUNNING: return "already running";
    case A_UPGRADED: return "upgraded";
    case A_REFUSED: return "refused";
    case A_NOT_DONE: return "not done";
    case A_UNKNOWN: return "unknown";
    default: return "-";
    }
}

void dfu_print_json(const ctx_t *c, const char *pkg_path, double secs, int failed)
{
    printf("{\"package\":");
    json_str(stdout, pkg_path);
    printf(",\"name\":");
    json_str(stdout, c->pkg->name);
    printf(",\"devices\":[");
    for (int i = 0; i < c->ndev; i++) {
        const device_t *d = &c->dev[i];
        printf("%s{\"device\":", i ? "," : "");
        json_str(stdout, d->label);
        printf(",\"ok\":%s,\"up_to_date\":%s,\"seconds\":%.3f,\"uploaded\":%zu,"
               "\"resumed_from\":%u", d->ok ? "true" : "false", d->up_to_date ? "true" : "false",
               d->seconds, d->uploaded, d->resumed_from);
        if (d->sizes_checked || d->sizes_why[0])
            printf(",\"slot_sizes_checked\":%s", d->sizes_checked ? "true" : "false");
        if (!d->sizes_checked && d->sizes_why[0]) {
            printf(",\"slot_sizes_unchecked_why\":");
            json_str(stdout, d->sizes_why);
        }
        if (d->nextra) {
            printf(",\"other_pending\":[");
            for (int k = 0; k < d->nextra; k++) {
                printf("%s{\"image\":%lld,\"version\":", k ? "," : "", d->extra[k].image);
                json_str(stdout, d->extra[k].version);
                printf(",\"result\":");
                json_str(stdout, d->extra_done[k][0] ? d->extra_done[k] : "not reset");
                printf("}");
            }
            printf("]");
        }
        if (d->error[0]) {
            printf(",\"error\":");
            json_str(stdout, d->error);
        }
        printf(",\"images\":[");
        for (int k = 0; k < c->pkg->count; k++) {
            const img_result_t *r = &d->img[k];
            printf("%s{\"image\":%d,\"file\":", k ? "," : "", c->pkg->img[k].image);
            json_str(stdout, c->pkg->img[k].file);
            printf(",\"from\":");
            json_str(stdout, r->from);
            printf(",\"to\":");
            json_str(stdout, r->to);
            printf(",\"result\":");
            json_str(stdout, action_name(r->action));
            if (r->action == A_UPGRADED)
                printf(",\"confirmed\":%s", r->confirmed ? "true" : "false");
            if (r->reason[0]) {
                printf(",\"reason\":");
                json_str(stdout, r->reason);
            }
            printf("}");
        }
        printf("]}");
    }
    printf("],\"ok\":%d,\"failed\":%d,\"seconds\":%.3f}\n", c->ndev - failed, failed, secs);
}

void dfu_print_device(const ctx_t *c, const device_t *d, int table)
{
    if (!d->sizes_checked && d->sizes_why[0] && !c->o->quiet) {
        if (table)
            printf("%-40s note: ", d->label);
        else
            printf("note: ");
        printf("the device does not report its slot sizes (slot info: %s); image sizes not "
               "checked before the upload\n", d->sizes_why);
    }
    for (int k = 0; k < d->nextra && !c->o->quiet; k++) {
        if (table)
            printf("%-40s ", d->label);
        if (d->extra_done[k][0])
            printf("note: image %lld (%s) was pending and not in the package: this reset %s\n",
                   d->extra[k].image, d->extra[k].version,
                   strcmp(d->extra_done[k], "installed") == 0 ? "installed it too"
                                                              : "did not install it");
        else if (!d->error[0] || !strstr(d->error, "--force"))
            printf("note: image %lld (%s) is pending and not in the package (--force)\n",
                   d->extra[k].image, d->extra[k].version);
    }
    if (table)
        printf("%-40s %-6s %6.1f", d->label, d->ok ? "ok" : "FAILED", d->seconds);
    for (int k = 0; k < c->pkg->count; k++) {
        const img_result_t *r = &d->img[k];
        int img = c->pkg->img[k].image;
        if (table) {
            if (r->action == A_UPGRADED)
                printf("  %d:%s->%s", img, r->from, r->to);
            else if (r->action == A_RUNNING)
                printf("  %d:%s(had)", img, r->to);
            else if (r->action == A_REFUSED)
                printf("  %d:refused", img);
            continue;
        }
        if (r->action == A_UPGRADED)
            printf("image %d: %s -> %s%s\n", img, r->from, r->to,
                   r->confirmed ? " (confirmed)" : " (test: confirm it once it works)");
        else if (r->action == A_RUNNING)
            printf("image %d: %s already running\n", img, r->to);
        else if (r->action == A_REFUSED)
            printf("image %d: %s -> %s refused: %s\n", img, r->from, r->to, r->reason);
        else if (r->action == A_NOT_DONE)
            printf("image %d: %s -> %s not done\n", img, r->from, r->to);
        else if (r->action == A_UNKNOWN)
            printf("image %d: %s -> %s unknown (no answer after the reset)\n", img, r->from,
                   r->to);
    }
    if (table) {
        if (d->error[0])
            printf("  %s", d->error);
        printf("\n");
        for (int k = 0; k < c->pkg->count; k++)
            if (d->img[k].action == A_REFUSED)
                printf("%-40s               image %d: %s\n", "", c->pkg->img[k].image,
                       d->img[k].reason);
    } else if (d->error[0]) {
        printf("Error: %s\n", d->error);
    } else if (d->up_to_date) {
        printf("Device already runs this package: nothing to do\n");
    }
}
