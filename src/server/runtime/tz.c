/*
 * tz.c - a small reader of the tz database's TZif files (RFC 8536) and of POSIX TZ rules
 * (see tz.h).
 *
 * HOW IT WORKS. A TZif file holds the instants at which a zone's offset changes and, from
 * version 2 on, a 64-bit copy of them and a footer: a POSIX TZ string that gives the rule for
 * every instant after the last listed one. We read the 64-bit block when there is one (the
 * 32-bit one otherwise), keep the transitions, their local-time types and the parsed footer,
 * and answer "offset at instant" by binary search, or by the rule past the end.
 */
#include "tz.h"
#include "datetime.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ_DIR        "/usr/share/zoneinfo/"
#define MAX_FILE      (1 << 20)
#define MAX_ZONES     512
#define MAX_TYPES     256
#define MAX_ABBR_CHAR 256

/* ---------------- POSIX TZ rules ---------------- */

typedef struct rule_date {
    char kind; /* 'J' Julian day 1-365 (no Feb 29), 'D' zero-based day 0-365, 'M' month.week.day */
    int n, month, week, wday;
    int64_t secs; /* time of day of the change, local time (may be negative or > 24h) */
} rule_date;

typedef struct posix_rule {
    int valid;
    char std_name[16], dst_name[16];
    int64_t std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    rule_date start, end;
} posix_rule;

struct rt_zone {
    char name[128];
    int64_t *times; /* transition instants, seconds */
    unsigned char *idx;
    int n_times;
    int64_t utoff[MAX_TYPES];
    int isdst[MAX_TYPES];
    int abbr_at[MAX_TYPES];
    int n_types;
    char abbrs[MAX_ABBR_CHAR];
    posix_rule rule;
    struct rt_zone *next;
};

static const char *parse_name(const char *p, char *out, size_t cap) {
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>') {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
        if (*p != '>')
            return NULL;
        p++;
    } else {
        while (isalpha((unsigned char)*p)) {
            if (n + 1 < cap)
                out[n++] = *p;
            p++;
        }
    }
    out[n] = 0;
    return n >= 3 ? p : NULL;
}

/* [+-]hh[:mm[:ss]] into seconds (sign as written). */
static const char *parse_hms(const char *p, int64_t *secs) {
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    while (isdigit((unsigned char)*p))
        h = h * 10 + (*p++ - '0');
    if (*p == ':') {
        p++;
        while (isdigit((unsigned char)*p))
            m = m * 10 + (*p++ - '0');
        if (*p == ':') {
            p++;
            while (isdigit((unsigned char)*p))
                s = s * 10 + (*p++ - '0');
        }
    }
    *secs = sign * ((int64_t)h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rule_date(const char *p, rule_date *d) {
    memset(d, 0, sizeof *d);
    d->secs = 7200;
    if (*p == 'M') {
        d->kind = 'M';
        if (sscanf(p + 1, "%d.%d.%d", &d->month, &d->week, &d->wday) != 3)
            return NULL;
        p++;
        while (isdigit((unsigned char)*p) || *p == '.')
            p++;
    } else {
        d->kind = *p == 'J' ? 'J' : 'D';
        if (*p == 'J')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p))
            d->n = d->n * 10 + (*p++ - '0');
    }
    if (*p == '/') {
        p = parse_hms(p + 1, &d->secs);
        if (p == NULL)
            return NULL;
    }
    return p;
}

static void parse_posix(const char *s, posix_rule *r) {
    const char *p;
    int64_t off;
    memset(r, 0, sizeof *r);
    p = parse_name(s, r->std_name, sizeof r->std_name);
    if (p == NULL || (p = parse_hms(p, &off)) == NULL)
        return;
    r->std_off = -off; /* POSIX offsets are west of UTC */
    r->valid = 1;
    if (*p == 0)
        return;
    p = parse_name(p, r->dst_name, sizeof r->dst_name);
    if (p == NULL) {
        r->valid = 0;
        return;
    }
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != 0) {
        p = parse_hms(p, &off);
        if (p == NULL) {
            r->valid = 0;
            return;
        }
        r->dst_off = -off;
    }
    if (*p != ',') {
        r->valid = 0; /* a DST name without rules: unsupported */
        return;
    }
    p = parse_rule_date(p + 1, &r->start);
    if (p == NULL || *p != ',' || parse_rule_date(p + 1, &r->end) == NULL) {
        r->valid = 0;
        return;
    }
    r->has_dst = 1;
}

/* Day number (days since 1970-01-01) of a rule date in a year. */
static int64_t rule_day(const rule_date *d, int64_t year) {
    if (d->kind == 'J') {
        int64_t day = rt_days_from_civil(year, 1, 1) + d->n - 1;
        if (rt_is_leap_year(year) && d->n >= 60)
            day++;
        return day;
    }
    if (d->kind == 'D')
        return rt_days_from_civil(year, 1, 1) + d->n;
    int64_t first = rt_days_from_civil(year, d->month, 1);
    int wd = rt_iso_weekday(first) % 7; /* 0 = Sunday */
    int64_t day = first + (d->wday - wd + 7) % 7 + (int64_t)(d->week - 1) * 7;
    if (d->week == 5) {
        int64_t last = first + rt_days_in_month(year, d->month) - 1;
        while (day > last)
            day -= 7;
    }
    return day;
}

/* Offset at utc seconds by the rule; *dst set. */
static int64_t rule_offset(const posix_rule *r, int64_t utc, int *dst) {
    *dst = 0;
    if (!r->has_dst)
        return r->std_off;
    int64_t days, rest, y;
    int m, d;
    /* the rule's dates are in the local year */
    rt_split_micros((utc + r->std_off) * RT_MICROS_PER_SECOND, &days, &rest);
    rt_civil_from_days(days, &y, &m, &d);
    int64_t start = rule_day(&r->start, y) * 86400 + r->start.secs - r->std_off;
    int64_t end = rule_day(&r->end, y) * 86400 + r->end.secs - r->dst_off;
    int in_dst = start < end ? (utc >= start && utc < end) : !(utc >= end && utc < start);
    *dst = in_dst;
    return in_dst ? r->dst_off : r->std_off;
}

/* ---------------- TZif ---------------- */

static int64_t be32(const unsigned char *p) {
    return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

static int64_t be64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return (int64_t)v;
}

typedef struct counts {
    int64_t isut, isstd, leap, time, type, chars;
} counts;

static int read_header(const unsigned char *p, size_t len, counts *c, int *version) {
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    *version = p[4] ? p[4] - '0' : 1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    if (c->time < 0 || c->type <= 0 || c->type > MAX_TYPES || c->chars < 0 ||
        c->chars > MAX_ABBR_CHAR || c->leap < 0 || c->isut < 0 || c->isstd < 0)
        return -1;
    return 0;
}

static size_t block_size(const counts *c, int tsize) {
    return (size_t)(c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) +
                    c->isstd + c->isut);
}

static int load_block(rt_zone *z, const unsigned char *p, const counts *c, int tsize) {
    z->n_times = (int)c->time;
    z->times = malloc((size_t)(c->time + 1) * sizeof *z->times);
    z->idx = malloc((size_t)c->time + 1);
    if (z->times == NULL || z->idx == NULL)
        return -1;
    for (int64_t i = 0; i < c->time; i++)
        z->times[i] = tsize == 8 ? be64(p + i * 8) : be32(p + i * 4);
    p += c->time * tsize;
    for (int64_t i = 0; i < c->time; i++) {
        z->idx[i] = p[i];
        if (p[i] >= c->type)
            return -1;
    }
    p += c->time;
    z->n_types = (int)c->type;
    for (int64_t i = 0; i < c->type; i++) {
        z->utoff[i] = be32(p + i * 6);
        z->isdst[i] = p[i * 6 + 4];
        z->abbr_at[i] = p[i * 6 + 5] < c->chars ? p[i * 6 + 5] : 0;
    }
    p += c->type * 6;
    memcpy(z->abbrs, p, (size_t)c->chars);
    z->abbrs[c->chars < MAX_ABBR_CHAR ? c->chars : MAX_ABBR_CHAR - 1] = 0;
    return 0;
}

static int parse_tzif(rt_zone *z, const unsigned char *data, size_t len) {
    counts c;
    int version;
    if (read_header(data, len, &c, &version) != 0)
        return -1;
    size_t v1 = 44 + block_size(&c, 4);
    if (v1 > len)
        return -1;
    if (version < 2)
        return load_block(z, data + 44, &c, 4);
    const unsigned char *h2 = data + v1;
    if (read_header(h2, len - v1, &c, &version) != 0)
        return -1;
    size_t v2 = 44 + block_size(&c, 8);
    if (v1 + v2 > len || load_block(z, h2 + 44, &c, 8) != 0)
        return -1;
    const char *footer = (const char *)h2 + v2;
    size_t rest = len - v1 - v2;
    if (rest > 2 && footer[0] == '\n') {
        char tzstr[128];
        const char *nl = memchr(footer + 1, '\n', rest - 1);
        size_t n = nl != NULL ? (size_t)(nl - footer - 1) : 0;
        if (n > 0 && n < sizeof tzstr) {
            memcpy(tzstr, footer + 1, n);
            tzstr[n] = 0;
            parse_posix(tzstr, &z->rule);
        }
    }
    return 0;
}

static int valid_name(const char *name, size_t len) {
    if (len == 0 || len >= 120 || name[0] == '/' || name[0] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!(isalnum((unsigned char)c) || c == '_' || c == '+' || c == '-' || c == '/'))
            return 0;
        if (c == '/' && i + 1 < len && name[i + 1] == '.')
            return 0;
    }
    return 1;
}

static rt_zone *load_zone(const char *name) {
    char path[256];
    unsigned char *data = NULL;
    size_t len = 0;
    snprintf(path, sizeof path, TZ_DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    data = malloc(MAX_FILE);
    if (data != NULL)
        len = fread(data, 1, MAX_FILE, f);
    fclose(f);
    rt_zone *z = calloc(1, sizeof *z);
    if (data == NULL || z == NULL || parse_tzif(z, data, len) != 0) {
        free(data);
        if (z != NULL) {
            free(z->times);
            free(z->idx);
            free(z);
        }
        return NULL;
    }
    free(data);
    snprintf(z->name, sizeof z->name, "%s", name);
    return z;
}

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static rt_zone *cache;
static int n_cached;

static const rt_zone *cached_zone(const char *name) {
    const rt_zone *found = NULL;
    pthread_mutex_lock(&cache_mu);
    for (rt_zone *z = cache; z != NULL && found == NULL; z = z->next)
        if (strcmp(z->name, name) == 0)
            found = z;
    if (found == NULL && n_cached < MAX_ZONES) {
        rt_zone *z = load_zone(name);
        if (z != NULL) {
            z->next = cache;
            cache = z;
            n_cached++;
            found = z;
        }
    }
    pthread_mutex_unlock(&cache_mu);
    return found;
}

/* "+05:30", "-08", "+0530", "UTC", "GMT", "Z" */
static int fixed_from_name(const char *s, size_t len, int64_t *off) {
    if ((len == 3 && (strncmp(s, "UTC", 3) == 0 || strncmp(s, "GMT", 3) == 0)) ||
        (len == 1 && s[0] == 'Z')) {
        *off = 0;
        return 1;
    }
    if (len < 2 || (s[0] != '+' && s[0] != '-'))
        return 0;
    int h = 0, m = 0, digits = 0;
    size_t i = 1;
    for (; i < len && isdigit((unsigned char)s[i]) && digits < 2; i++, digits++)
        h = h * 10 + (s[i] - '0');
    if (digits == 0)
        return 0;
    if (i < len && s[i] == ':')
        i++;
    for (digits = 0; i < len && isdigit((unsigned char)s[i]) && digits < 2; i++, digits++)
        m = m * 10 + (s[i] - '0');
    if (i != len || h > 23 || m > 59)
        return 0;
    *off = (s[0] == '-' ? -1 : 1) * ((int64_t)h * 3600 + m * 60);
    return 1;
}

int rt_tz_find(const char *name, size_t len, rt_tz *out, char *msg, size_t cap) {
    char buf[128];
    int64_t off;
    if (fixed_from_name(name, len, &off)) {
        *out = rt_tz_fixed(off);
        return 0;
    }
    if (valid_name(name, len)) {
        memcpy(buf, name, len);
        buf[len] = 0;
        const rt_zone *z = cached_zone(buf);
        if (z != NULL) {
            out->zone = z;
            out->fixed_s = 0;
            return 0;
        }
    }
    snprintf(msg, cap, "unknown time zone '%.*s'", (int)(len < 100 ? len : 100), name);
    return -1;
}

rt_tz rt_tz_fixed(int64_t offset_s) {
    rt_tz tz = {NULL, offset_s};
    return tz;
}

static int first_std_type(const rt_zone *z) {
    for (int i = 0; i < z->n_types; i++)
        if (!z->isdst[i])
            return i;
    return 0;
}

static void fixed_abbr(int64_t off, char *abbr, size_t cap) {
    if (off == 0) {
        snprintf(abbr, cap, "UTC");
        return;
    }
    int64_t a = off < 0 ? -off : off;
    snprintf(abbr, cap, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600), (int)(a / 60 % 60));
}

int64_t rt_tz_offset_at(rt_tz tz, int64_t utc_micros, char *abbr, size_t abbr_cap) {
    const rt_zone *z = tz.zone;
    int64_t utc = utc_micros / RT_MICROS_PER_SECOND - (utc_micros % RT_MICROS_PER_SECOND < 0);
    if (z == NULL) {
        if (abbr != NULL)
            fixed_abbr(tz.fixed_s, abbr, abbr_cap);
        return tz.fixed_s;
    }
    int type;
    if (z->n_times == 0 || utc < z->times[0]) {
        if (z->n_times == 0 && z->rule.valid) {
            int dst;
            int64_t off = rule_offset(&z->rule, utc, &dst);
            if (abbr != NULL)
                snprintf(abbr, abbr_cap, "%s", dst ? z->rule.dst_name : z->rule.std_name);
            return off;
        }
        type = first_std_type(z);
    } else if (utc >= z->times[z->n_times - 1] && z->rule.valid) {
        int dst;
        int64_t off = rule_offset(&z->rule, utc, &dst);
        if (abbr != NULL)
            snprintf(abbr, abbr_cap, "%s", dst ? z->rule.dst_name : z->rule.std_name);
        return off;
    } else {
        int lo = 0, hi = z->n_times - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) / 2;
            if (z->times[mid] <= utc)
                lo = mid;
            else
                hi = mid - 1;
        }
        type = z->idx[lo];
    }
    if (abbr != NULL)
        snprintf(abbr, abbr_cap, "%s", z->abbrs + z->abbr_at[type]);
    return z->utoff[type];
}

int64_t rt_tz_to_local(rt_tz tz, int64_t utc_micros) {
    return utc_micros + rt_tz_offset_at(tz, utc_micros, NULL, 0) * RT_MICROS_PER_SECOND;
}

int64_t rt_tz_to_utc(rt_tz tz, int64_t local_micros) {
    const int64_t day = RT_MICROS_PER_DAY, s = RT_MICROS_PER_SECOND;
    int64_t before = rt_tz_offset_at(tz, local_micros - day, NULL, 0) * s;
    int64_t after = rt_tz_offset_at(tz, local_micros + day, NULL, 0) * s;
    int64_t u1 = local_micros - before, u2 = local_micros - after;
    int ok1 = rt_tz_offset_at(tz, u1, NULL, 0) * s == before;
    int ok2 = rt_tz_offset_at(tz, u2, NULL, 0) * s == after;
    if (ok1 && ok2)
        return u1 < u2 ? u1 : u2; /* happens twice: the earlier instant */
    if (ok2)
        return u2;
    return u1; /* ok1, or a gap: read with the offset before it */
}
