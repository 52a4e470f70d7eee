/*
 * fn_geo.c - geographic functions: ST_GEOGPOINT, ST_GEOGFROMTEXT, ST_X, ST_Y, ST_DISTANCE,
 * ST_CONTAINS.
 *
 * A geography travels as its GeoJSON text (value.h: RV_GEOGRAPHY) and prints as
 * {"__rockset_type":"geography","value":<GeoJSON>}. Functions read it into a small shape (points,
 * rings, polygons) and write new ones with coordinates as floats. Rules
 * (tests/sqlcorpus/geo.test): ST_GEOGPOINT reflects a latitude past a pole (moving the longitude
 * by 180 degrees) and brings the longitude into [-180, 180]; well-known text accepts POINT,
 * LINESTRING, POLYGON (with holes) and MULTIPOLYGON in any case; ST_DISTANCE is the great-circle
 * distance in metres on a sphere of radius 6371008.8 m (between the closest vertices for shapes
 * other than points); ST_CONTAINS(area, x) is true when every vertex of x is inside the area
 * (inside a ring and in none of its holes).
 */
#include "fn_util.h"
#include "jsonscan.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EARTH_RADIUS_M 6371008.8

typedef enum { G_POINT = 1, G_LINE, G_POLYGON, G_MULTIPOLYGON } geo_kind;

/* A shape: every vertex in pts; rings are runs of pts (ring_start[r] .. ring_start[r+1]);
 * polygons are runs of rings (poly_start[p] .. poly_start[p+1]), the first ring the shell. */
typedef struct geo {
    geo_kind kind;
    double *pts; /* x, y pairs */
    size_t n_pts, cap_pts;
    size_t *ring_start, n_rings, cap_rings;
    size_t *poly_start, n_polys, cap_polys;
    int oom;
} geo;

static void geo_free(geo *g) {
    free(g->pts);
    free(g->ring_start);
    free(g->poly_start);
    memset(g, 0, sizeof *g);
}

static int push_size(size_t **arr, size_t *n, size_t *cap, size_t v) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        size_t *a = realloc(*arr, c * sizeof *a);
        if (a == NULL)
            return 0;
        *arr = a;
        *cap = c;
    }
    (*arr)[(*n)++] = v;
    return 1;
}

static int push_point(geo *g, double x, double y) {
    if (g->n_pts == g->cap_pts) {
        size_t c = g->cap_pts ? g->cap_pts * 2 : 16;
        double *a = realloc(g->pts, c * 2 * sizeof *a);
        if (a == NULL)
            return g->oom = 1, 0;
        g->pts = a;
        g->cap_pts = c;
    }
    g->pts[2 * g->n_pts] = x;
    g->pts[2 * g->n_pts + 1] = y;
    g->n_pts++;
    return 1;
}

static int begin_ring(geo *g) {
    return push_size(&g->ring_start, &g->n_rings, &g->cap_rings, g->n_pts) || (g->oom = 1, 0);
}

static int begin_poly(geo *g) {
    return push_size(&g->poly_start, &g->n_polys, &g->cap_polys, g->n_rings) || (g->oom = 1, 0);
}

static size_t ring_end(const geo *g, size_t r) {
    return r + 1 < g->n_rings ? g->ring_start[r + 1] : g->n_pts;
}

static size_t poly_end(const geo *g, size_t p) {
    return p + 1 < g->n_polys ? g->poly_start[p + 1] : g->n_rings;
}

/* ---------------- writing GeoJSON ---------------- */

static void put_coord(rs_buf *b, const geo *g, size_t i) {
    char x[40], y[40];
    rv_format_double(x, sizeof x, g->pts[2 * i]);
    rv_format_double(y, sizeof y, g->pts[2 * i + 1]);
    rs_buf_printf(b, "[%s,%s]", x, y);
}

static void put_ring(rs_buf *b, const geo *g, size_t r) {
    rs_buf_putc(b, '[');
    for (size_t i = g->ring_start[r]; i < ring_end(g, r); i++) {
        rs_buf_puts(b, i > g->ring_start[r] ? "," : "");
        put_coord(b, g, i);
    }
    rs_buf_putc(b, ']');
}

static void put_polygon(rs_buf *b, const geo *g, size_t p) {
    rs_buf_putc(b, '[');
    for (size_t r = g->poly_start[p]; r < poly_end(g, p); r++) {
        rs_buf_puts(b, r > g->poly_start[p] ? "," : "");
        put_ring(b, g, r);
    }
    rs_buf_putc(b, ']');
}

static void result_geo(sqlite3_context *ctx, const geo *g) {
    static const char *const names[] = {"", "Point", "LineString", "Polygon", "MultiPolygon"};
    rs_buf b = RS_BUF_INIT;
    rs_buf_printf(&b, "{\"type\":\"%s\",\"coordinates\":", names[g->kind]);
    if (g->kind == G_POINT) {
        put_coord(&b, g, 0);
    } else if (g->kind == G_LINE) {
        put_ring(&b, g, 0);
    } else if (g->kind == G_POLYGON) {
        put_polygon(&b, g, 0);
    } else {
        rs_buf_putc(&b, '[');
        for (size_t p = 0; p < g->n_polys; p++) {
            rs_buf_puts(&b, p ? "," : "");
            put_polygon(&b, g, p);
        }
        rs_buf_putc(&b, ']');
    }
    rs_buf_putc(&b, '}');
    if (b.oom || g->oom) {
        sqlite3_result_error_nomem(ctx);
    } else {
        rv out = rv_json(RV_GEOGRAPHY, b.data, b.len);
        rv_result(ctx, &out);
    }
    rs_buf_free(&b);
}

/* ---------------- reading GeoJSON ---------------- */

/* Read the coordinates array v at nesting depth (0 = one position) into g. */
static int read_coords(geo *g, const rv *v, int depth) {
    rv_iter it;
    rv elem;
    rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    int ok = v->type == RV_ARRAY && rv_iter_init(&it, v) == 0, n = 0;
    double xy[2] = {0, 0};
    if (ok && depth == 1 && !begin_ring(g))
        ok = 0;
    if (ok && depth == 2 && !begin_poly(g))
        ok = 0;
    while (ok && rv_iter_next(&it, &elem, &scratch, &key, &err) == 1) {
        if (depth == 0) {
            ok = rv_is_number(&elem) && n < 2;
            if (ok)
                xy[n++] = rv_as_double(&elem);
        } else {
            /* the element borrows the container's text: recurse before the next element */
            ok = read_coords(g, &elem, depth - 1);
        }
    }
    if (ok && depth == 0)
        ok = n == 2 && push_point(g, xy[0], xy[1]);
    rs_buf_free(&scratch);
    rs_buf_free(&key);
    return ok;
}

/* The JSON value of member key of the object v, as an rv (strings decoded into scratch); 0 when
 * absent or malformed. */
static int member(const rv *v, const char *key, rv *out, rs_buf *scratch) {
    rs_jsonscan_span object = {v->s, v->len}, m;
    rs_err err;
    return rs_jsonscan_get_last(object, key, strlen(key), &m) &&
           rv_from_json(m.ptr, m.len, out, scratch, &err) == 0;
}

/* A geography value's shape; 0 when its GeoJSON is not one we read (an error is set). */
static int geo_of(sqlite3_context *ctx, const rv *v, geo *g) {
    static const struct {
        const char *name;
        geo_kind kind;
        int depth;
    } kinds[] = {{"Point", G_POINT, 0},
                 {"LineString", G_LINE, 1},
                 {"Polygon", G_POLYGON, 2},
                 {"MultiPolygon", G_MULTIPOLYGON, 3}};
    rv type, coords;
    rs_buf s1 = RS_BUF_INIT, s2 = RS_BUF_INIT;
    int ok = 0;
    memset(g, 0, sizeof *g);
    if (member(v, "type", &type, &s1) && member(v, "coordinates", &coords, &s2) &&
        type.type == RV_STRING) {
        for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
            if (type.len == strlen(kinds[i].name) && memcmp(type.s, kinds[i].name, type.len) == 0) {
                g->kind = kinds[i].kind;
                ok = read_coords(g, &coords, kinds[i].depth) && g->n_pts > 0;
                break;
            }
        }
    }
    rs_buf_free(&s1);
    rs_buf_free(&s2);
    if (!ok) {
        if (g->oom)
            sqlite3_result_error_nomem(ctx);
        else
            rt_error(ctx, "the geography is not a Point, LineString, Polygon or MultiPolygon");
        geo_free(g);
    }
    return ok;
}

/* ---------------- well-known text ---------------- */

typedef struct wkt {
    const char *p, *end;
} wkt;

static void wkt_ws(wkt *w) {
    while (w->p < w->end && isspace((unsigned char)*w->p))
        w->p++;
}

static int wkt_char(wkt *w, char c) {
    wkt_ws(w);
    if (w->p < w->end && *w->p == c) {
        w->p++;
        return 1;
    }
    return 0;
}

static int wkt_number(wkt *w, double *out) {
    char buf[64], *stop;
    size_t n = 0;
    wkt_ws(w);
    while (w->p + n < w->end && n + 1 < sizeof buf && strchr("+-.0123456789eE", w->p[n]) != NULL)
        n++;
    if (n == 0)
        return 0;
    memcpy(buf, w->p, n);
    buf[n] = 0;
    *out = strtod(buf, &stop);
    if (*stop != 0 || !isfinite(*out))
        return 0;
    w->p += n;
    return 1;
}

static int wkt_point(wkt *w, geo *g) {
    double x, y;
    return wkt_number(w, &x) && wkt_number(w, &y) && push_point(g, x, y);
}

/* (x y, x y, ...) */
static int wkt_ring(wkt *w, geo *g) {
    if (!wkt_char(w, '(') || !begin_ring(g))
        return 0;
    do {
        if (!wkt_point(w, g))
            return 0;
    } while (wkt_char(w, ','));
    return wkt_char(w, ')');
}

/* ((ring), (hole), ...) */
static int wkt_polygon(wkt *w, geo *g) {
    if (!wkt_char(w, '(') || !begin_poly(g))
        return 0;
    do {
        if (!wkt_ring(w, g))
            return 0;
    } while (wkt_char(w, ','));
    return wkt_char(w, ')');
}

/* The shape written in WKT. 1 parsed; 0 malformed; -1 a type we do not read (*word set). */
static int parse_wkt(const char *text, size_t len, geo *g, char word[24]) {
    wkt w = {text, text + len};
    size_t n = 0;
    int ok;
    wkt_ws(&w);
    while (w.p + n < w.end && isalpha((unsigned char)w.p[n]) && n + 1 < 24)
        n++;
    memcpy(word, w.p, n);
    word[n] = 0;
    w.p += n;
    for (size_t i = 0; i < n; i++)
        word[i] = (char)toupper((unsigned char)word[i]);
    if (strcmp(word, "POINT") == 0) {
        g->kind = G_POINT;
        ok = wkt_char(&w, '(') && wkt_point(&w, g) && wkt_char(&w, ')');
    } else if (strcmp(word, "LINESTRING") == 0) {
        g->kind = G_LINE;
        ok = wkt_ring(&w, g);
    } else if (strcmp(word, "POLYGON") == 0) {
        g->kind = G_POLYGON;
        ok = wkt_polygon(&w, g);
    } else if (strcmp(word, "MULTIPOLYGON") == 0) {
        g->kind = G_MULTIPOLYGON;
        ok = wkt_char(&w, '(');
        do {
            ok = ok && wkt_polygon(&w, g);
        } while (ok && wkt_char(&w, ','));
        ok = ok && wkt_char(&w, ')');
    } else {
        return strcmp(word, "MULTIPOINT") == 0 || strcmp(word, "MULTILINESTRING") == 0 ||
                       strcmp(word, "GEOMETRYCOLLECTION") == 0
                   ? -1
                   : 0;
    }
    wkt_ws(&w);
    return ok && w.p == w.end;
}

/* ---------------- the functions ---------------- */

static int want_geography(sqlite3_context *ctx, const rv *v, int argi, int argc) {
    if (v[argi].type == RV_GEOGRAPHY)
        return 1;
    rt_type_error(ctx, argi, argc, "a geography", &v[argi]);
    return 0;
}

/* ST_GEOGPOINT(lon, lat) */
static void fn_geogpoint(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    geo g;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_number(ctx, v, 0, 2) ||
        !rt_want_number(ctx, v, 1, 2))
        return;
    double lon = rv_as_double(&v[0]), lat = rv_as_double(&v[1]);
    if (!isfinite(lon) || !isfinite(lat)) {
        rt_error(ctx, "coordinates must be finite");
        return;
    }
    if (lat > 90 || lat < -90) { /* past a pole: reflect, turn half way round */
        lat = fmod(lat + 180.0, 360.0);
        lat = (lat < 0 ? lat + 360.0 : lat) - 180.0; /* into [-180, 180) */
        if (lat > 90 || lat < -90) {
            lat = lat > 90 ? 180 - lat : -180 - lat;
            lon += 180;
        }
    }
    if (lon > 180 || lon < -180) {
        lon = fmod(lon + 180.0, 360.0);
        lon = (lon < 0 ? lon + 360.0 : lon) - 180.0;
    }
    memset(&g, 0, sizeof g);
    g.kind = G_POINT;
    if (push_point(&g, lon, lat))
        result_geo(ctx, &g);
    else
        sqlite3_result_error_nomem(ctx);
    geo_free(&g);
}

static void fn_geogfromtext(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    geo g;
    char word[24];
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    memset(&g, 0, sizeof g);
    int rc = parse_wkt(v.s, v.len, &g, word);
    if (g.oom)
        sqlite3_result_error_nomem(ctx);
    else if (rc < 0)
        rt_error(ctx, "%s is not supported", word);
    else if (rc == 0)
        rt_error(ctx, "malformed well-known text '%.*s'", (int)(v.len > 200 ? 200 : v.len), v.s);
    else
        result_geo(ctx, &g);
    geo_free(&g);
}

/* ST_X / ST_Y: user_data 0 for x, 1 for y */
static void fn_st_xy(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int axis = *(const int *)rt_fn_of(ctx)->user_data;
    rv v;
    geo g;
    if (!rt_args(ctx, argc, argv, &v, 1) || !want_geography(ctx, &v, 0, 1) || !geo_of(ctx, &v, &g))
        return;
    if (g.kind != G_POINT)
        rt_error(ctx, "the geography is not a point");
    else
        sqlite3_result_double(ctx, g.pts[axis]);
    geo_free(&g);
}

static double radians(double deg) {
    return deg * M_PI / 180.0;
}

/* Great-circle distance between two positions (haversine). */
static double distance_m(const double *a, const double *b) {
    double dlat = radians(b[1] - a[1]), dlon = radians(b[0] - a[0]);
    double h = sin(dlat / 2) * sin(dlat / 2) +
               cos(radians(a[1])) * cos(radians(b[1])) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * EARTH_RADIUS_M * asin(sqrt(h < 1 ? h : 1));
}

static void fn_distance(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    geo a, b;
    if (!rt_args(ctx, argc, argv, v, 1) || !want_geography(ctx, v, 0, 2) ||
        !want_geography(ctx, v, 1, 2) || !geo_of(ctx, &v[0], &a))
        return;
    if (!geo_of(ctx, &v[1], &b)) {
        geo_free(&a);
        return;
    }
    double best = INFINITY;
    for (size_t i = 0; i < a.n_pts; i++)
        for (size_t j = 0; j < b.n_pts; j++) {
            double d = distance_m(&a.pts[2 * i], &b.pts[2 * j]);
            best = d < best ? d : best;
        }
    sqlite3_result_double(ctx, best);
    geo_free(&a);
    geo_free(&b);
}

/* Ray casting: whether (x, y) is inside ring r. */
static int in_ring(const geo *g, size_t r, double x, double y) {
    int inside = 0;
    size_t from = g->ring_start[r], to = ring_end(g, r);
    for (size_t i = from, j = to - 1; i < to; j = i++) {
        double xi = g->pts[2 * i], yi = g->pts[2 * i + 1];
        double xj = g->pts[2 * j], yj = g->pts[2 * j + 1];
        if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            inside = !inside;
    }
    return inside;
}

static int in_area(const geo *g, double x, double y) {
    for (size_t p = 0; p < g->n_polys; p++) {
        size_t shell = g->poly_start[p];
        if (!in_ring(g, shell, x, y))
            continue;
        int in_hole = 0;
        for (size_t r = shell + 1; r < poly_end(g, p) && !in_hole; r++)
            in_hole = in_ring(g, r, x, y);
        if (!in_hole)
            return 1;
    }
    return 0;
}

static void fn_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    geo area, x;
    if (!rt_args(ctx, argc, argv, v, 1) || !want_geography(ctx, v, 0, 2) ||
        !want_geography(ctx, v, 1, 2) || !geo_of(ctx, &v[0], &area))
        return;
    if (!geo_of(ctx, &v[1], &x)) {
        geo_free(&area);
        return;
    }
    int all = area.kind == G_POLYGON || area.kind == G_MULTIPOLYGON;
    for (size_t i = 0; all && i < x.n_pts; i++)
        all = in_area(&area, x.pts[2 * i], x.pts[2 * i + 1]);
    rv_result_bool(ctx, all);
    geo_free(&area);
    geo_free(&x);
}

static const int AXIS_X = 0, AXIS_Y = 1;

/* clang-format off */
#define G(name, min, max, fn, data, sig) \
    {name, RT_SCALAR, min, max, NULL, 0, data, fn, NULL, NULL, NULL, NULL, "geographic", sig}

const rt_function rt_fn_geo[] = {
    G("ST_GEOGPOINT", 2, 2, fn_geogpoint, NULL, "ST_GEOGPOINT(longitude, latitude) -> geography (a point; wrapped past the poles and the antimeridian)"),
    G("ST_GEOGFROMTEXT", 1, 1, fn_geogfromtext, NULL, "ST_GEOGFROMTEXT(wkt) -> geography (POINT, LINESTRING, POLYGON, MULTIPOLYGON)"),
    G("ST_X", 1, 1, fn_st_xy, &AXIS_X, "ST_X(point) -> float, the longitude"),
    G("ST_Y", 1, 1, fn_st_xy, &AXIS_Y, "ST_Y(point) -> float, the latitude"),
    G("ST_DISTANCE", 2, 2, fn_distance, NULL, "ST_DISTANCE(a, b) -> float, metres on a sphere of radius 6371008.8 m"),
    G("ST_CONTAINS", 2, 2, fn_contains, NULL, "ST_CONTAINS(area, geography) -> bool (holes excluded)"),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
