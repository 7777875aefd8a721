#include "mcumgr_conn.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_int(const char *s, size_t n, long lo, long hi, int *out)
{
    char buf[24];
    char *end;
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (buf[0] == '-' || buf[0] == '+' || buf[0] == ' ')
        return -1;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_serial(const char *cs, mcumgr_conn_t *out, char *err, size_t cap)
{
    const char *p = cs;
    int seen_dev = 0, seen_baud = 0, seen_mtu = 0;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        const char *key = p, *val;
        size_t klen, vlen;
        if (!eq) { /* old-style single token: the device path */
            key = "dev";
            klen = 3;
            val = p;
            vlen = n;
        } else {
            klen = (size_t)(eq - p);
            val = eq + 1;
            vlen = n - klen - 1;
        }
        if (klen == 3 && memcmp(key, "dev", 3) == 0) {
            if (seen_dev++ || vlen == 0 || vlen >= sizeof out->dev) {
                snprintf(err, cap, "invalid serial connstring: bad or repeated dev");
                return -1;
            }
            memcpy(out->dev, val, vlen);
            out->dev[vlen] = '\0';
        } else if (klen == 4 && memcmp(key, "baud", 4) == 0) {
            if (seen_baud++ || parse_int(val, vlen, 1, 10000000, &out->baud) != 0) {
                snprintf(err, cap, "invalid serial connstring: invalid baud: %.*s", (int)vlen, val);
                return -1;
            }
        } else if (klen == 3 && memcmp(key, "mtu", 3) == 0) {
            if (seen_mtu++ || parse_int(val, vlen, MCUMGR_SERIAL_MIN_MTU, MCUMGR_SERIAL_MAX_MTU,
                                        &out->mtu) != 0) {
                snprintf(err, cap, "invalid serial connstring: invalid mtu: %.*s (want %d..%d)",
                         (int)vlen, val, MCUMGR_SERIAL_MIN_MTU, MCUMGR_SERIAL_MAX_MTU);
                return -1;
            }
            out->mtu_given = 1;
        } else {
            snprintf(err, cap, "invalid serial connstring: unrecognized key: %.*s", (int)klen, key);
            return -1;
        }
        if (!comma)
            break;
        p = comma + 1;
        if (*p == '\0') {
            snprintf(err, cap, "invalid serial connstring: trailing ','");
            return -1;
        }
    }
    if (!seen_dev) {
        snprintf(err, cap, "invalid serial connstring: no dev= given");
        return -1;
    }
    return 0;
}

/* mcumgr's BLE keys. A value may be quoted ('Zephyr' or "Zephyr"). Commas
 * inside ctlr_path=tty:DEV,baud=N belong to the path. */
static int parse_ble(const char *cs, mcumgr_conn_t *out, char *err, size_t cap)
{
    const char *p = cs;
    out->scan_ms = 5000;
    out->passkey = -1;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq) {
            snprintf(err, cap, "invalid ble connstring: '%.*s' is not key=value", (int)n, p);
            return -1;
        }
        size_t klen = (size_t)(eq - p);
        const char *val = eq + 1;
        size_t vlen = n - klen - 1;
        if (klen == 9 && memcmp(p, "ctlr_path", 9) == 0 && comma &&
            strncmp(comma + 1, "baud=", 5) == 0) { /* tty:DEV,baud=N */
            const char *c2 = strchr(comma + 1, ',');
            comma = c2;
            vlen = c2 ? (size_t)(c2 - val) : strlen(val);
        }
        if (vlen >= 2 && (val[0] == '\'' || val[0] == '"') && val[vlen - 1] == val[0]) {
            val++;
            vlen -= 2;
        }
        char *dst = NULL;
        size_t dcap = 0;
        if (klen == 9 && memcmp(p, "peer_name", 9) == 0) {
            dst = out->peer_name;
            dcap = sizeof out->peer_name;
        } else if (klen == 7 && memcmp(p, "peer_id", 7) == 0) {
            dst = out->peer_id;
            dcap = sizeof out->peer_id;
            unsigned b[6];
            char tail;
            char tmp[24];
            if (vlen >= sizeof tmp)
                vlen = sizeof tmp - 1;
            memcpy(tmp, val, vlen);
            tmp[vlen] = '\0';
            if (vlen != 17 || sscanf(tmp, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
                                     &b[4], &b[5], &tail) != 6) {
                snprintf(err, cap, "invalid ble connstring: peer_id wants AA:BB:CC:DD:EE:FF");
                return -1;
            }
        } else if (klen == 9 && memcmp(p, "ctlr_name", 9) == 0) {
            if (vlen < 4 || strncmp(val, "hci", 3) != 0) {
                snprintf(err, cap, "invalid ble connstring: ctlr_name wants hciN");
                return -1;
            }
            dst = out->ctlr;
            dcap = sizeof out->ctlr;
        } else if (klen == 9 && memcmp(p, "ctlr_path", 9) == 0) {
            if (!(vlen > 5 && strncmp(val, "unix:", 5) == 0) &&
                !(vlen > 4 && strncmp(val, "tty:", 4) == 0)) {
                snprintf(err, cap, "invalid ble connstring: ctlr_path wants unix:PATH or tty:DEV");
                return -1;
            }
            dst = out->ctlr;
            dcap = sizeof out->ctlr;
        } else if (klen == 12 && memcmp(p, "scan_timeout", 12) == 0) {
            int s;
            if (parse_int(val, vlen, 1, 600, &s) != 0) {
                snprintf(err, cap, "invalid ble connstring: scan_timeout wants 1..600 seconds");
                return -1;
            }
            out->scan_ms = s * 1000;
        } else if (klen == 7 && memcmp(p, "passkey", 7) == 0) {
            int s;
            if (parse_int(val, vlen, 0, 999999, &s) != 0) {
                snprintf(err, cap, "invalid ble connstring: passkey wants 0..999999");
                return -1;
            }
            out->passkey = s;
        } else if (klen == 4 && memcmp(p, "pair", 4) == 0) {
            int s;
            if (parse_int(val, vlen, 0, 1, &s) != 0) {
                snprintf(err, cap, "invalid ble connstring: pair wants 0 or 1");
                return -1;
            }
            out->pair = s;
        } else {
            snprintf(err, cap, "invalid ble connstring: unrecognized key: %.*s", (int)klen, p);
            return -1;
        }
        if (dst) {
            if (vlen == 0 || vlen >= dcap) {
                snprintf(err, cap, "invalid ble connstring: bad %.*s", (int)klen, p);
                return -1;
            }
            memcpy(dst, val, vlen);
            dst[vlen] = '\0';
        }
        if (!comma)
            break;
        p = comma + 1;
    }
    if (!out->peer_name[0] && !out->peer_id[0]) {
        snprintf(err, cap, "invalid ble connstring: need peer_name= or peer_id=");
        return -1;
    }
    if (!out->ctlr[0])
        snprintf(out->ctlr, sizeof out->ctlr, "hci0");
    return 0;
}

int mcumgr_conn_parse(const char *conntype, const char *connstring, mcumgr_conn_t *out,
                      char *err, size_t cap)
{
    memset(out, 0, sizeof *out);
    out->baud = MCUMGR_SERIAL_DEFAULT_BAUD;
    out->mtu = MCUMGR_SERIAL_DEFAULT_MTU;
    if (!conntype || !*conntype) {
        snprintf(err, cap, "no connection type (use --conntype udp|serial|ble)");
        return -1;
    }
    if (!connstring || !*connstring) {
        snprintf(err, cap, "no connection string (use --connstring)");
        return -1;
    }
    if (strcmp(conntype, "udp") == 0) {
        out->type = MCUMGR_CONN_UDP;
        size_t n = strlen(connstring);
        if (n >= sizeof out->addr) {
            snprintf(err, cap, "udp connstring too long");
            return -1;
        }
        /* Accept mcumgr's plain "host:port" and the explicit "addr=host:port". */
        if (strncmp(connstring, "addr=", 5) == 0)
            connstring += 5;
        if (*connstring == '\0' || strchr(connstring, ',') || strchr(connstring, '=') ||
            strchr(connstring, ' ')) {
            snprintf(err, cap, "invalid udp connstring '%s' (want host:port or [v6]:port)",
                     connstring);
            return -1;
        }
        if (connstring[0] == '[') {
            const char *close = strchr(connstring, ']');
            if (!close || close == connstring + 1 || (close[1] != '\0' && close[1] != ':')) {
                snprintf(err, cap, "invalid udp connstring '%s' (want [v6addr]:port)", connstring);
                return -1;
            }
        }
        /* Port syntax is checked here so a bad string fails before any network call. */
        const char *colon = strrchr(connstring, ':');
        const char *bracket = strrchr(connstring, ']');
        int bare_v6 = connstring[0] != '[' && colon && strchr(connstring, ':') != colon;
        if (colon && !bare_v6 && (!bracket || colon > bracket)) {
            int port;
            if (parse_int(colon + 1, strlen(colon + 1), 1, 65535, &port) != 0) {
                snprintf(err, cap, "invalid udp connstring '%s': bad port (want 1..65535)",
                         connstring);
                return -1;
            }
        }
        snprintf(out->addr, sizeof out->addr, "%s", connstring);
        return 0;
    }
    if (strcmp(conntype, "serial") == 0) {
        out->type = MCUMGR_CONN_SERIAL;
        return parse_serial(connstring, out, err, cap);
    }
    if (strcmp(conntype, "ble") == 0) {
        out->type = MCUMGR_CONN_BLE;
        return parse_ble(connstring, out, err, cap);
    }
    snprintf(err, cap, "unsupported connection type '%s' (udp, serial or ble)", conntype);
    return -1;
}

size_t mcumgr_serial_mtu_pkt(int mtu)
{
    long long n = (long long)mtu * 3 / 4 - 13;
    return n > 0 ? (size_t)n : 0;
}
