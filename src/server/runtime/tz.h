/*
 * tz.h - time zones for the SQL runtime: IANA names read from the operating system's tz
 * database (TZif files under /usr/share/zoneinfo, Debian's tzdata), and fixed offsets.
 *
 * A zone is named by an IANA name ('America/Los_Angeles'), 'UTC' / 'GMT' / 'Z', or a fixed offset
 * ('+05:30', '-08', '+0530'); an interval (AT TIME ZONE INTERVAL 1 HOUR) is a fixed offset too.
 * Instants after a file's last transition follow its POSIX TZ footer rule
 * ("PST8PDT,M3.2.0,M11.1.0"), so dates far in the future keep their daylight saving time.
 *
 * Local wall time to instant (datetime AT TIME ZONE): a wall time skipped by a gap (spring
 * forward) is read with the offset in force before the gap, so it lands after the gap; a wall
 * time that happens twice (fall back) is the earlier instant.
 *
 * Zones are loaded once and kept for the life of the process (a mutex guards the cache; lookups
 * of a loaded zone take the mutex briefly); an rt_tz is a small value that may be copied.
 */
#ifndef RL_RUNTIME_TZ_H
#define RL_RUNTIME_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_zone rt_zone; /* a loaded TZif zone; immutable; never freed */

typedef struct rt_tz {
    const rt_zone *zone; /* NULL: fixed offset */
    int64_t fixed_s;     /* offset east of UTC in seconds when zone is NULL */
} rt_tz;

/* Look a zone up by name (name[0..len)). 0 and *out set, or -1 with msg = "unknown time zone
 * 'Foo/Bar'" (the name as given). */
int rt_tz_find(const char *name, size_t len, rt_tz *out, char *msg, size_t cap);

/* A fixed offset of seconds east of UTC. */
rt_tz rt_tz_fixed(int64_t offset_s);

/* Offset east of UTC, in seconds, at an instant (microseconds since the epoch); *abbr (may be
 * NULL) gets the zone's abbreviation ("PST"; for fixed offsets "+05:30", "UTC"). */
int64_t rt_tz_offset_at(rt_tz tz, int64_t utc_micros, char *abbr, size_t abbr_cap);

/* The instant of a wall time (microseconds since 1970-01-01T00:00 on the zone's clock). */
int64_t rt_tz_to_utc(rt_tz tz, int64_t local_micros);

/* The wall time at an instant. */
int64_t rt_tz_to_local(rt_tz tz, int64_t utc_micros);

#endif
