/* SPDX-License-Identifier: MIT */
/*
 * Durations: how people write them in experiment files and on the command
 * line (parse_duration()), and the one way Erebus shows them to people
 * (format_duration()), in messages, plan and describe lines and the text,
 * HTML and JUnit reports. Machine formats keep their own fixed units and do
 * not come here: JSON *_ms fields, Prometheus seconds, JUnit time="...".
 */
#ifndef EREBUS_DURATION_H
#define EREBUS_DURATION_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse a duration: a number (digits, optionally a fraction) and a unit
 * (us, ms, s, m, h), repeated; the parts add up ("1h30m", "1m0.5s"). A unit
 * is required, no sign, no spaces, at most 1e15 us. Returns 0 and
 * *ret_usec (rounded to the microsecond), or -EINVAL and leaves it alone.
 */
int parse_duration(const char *s, int64_t *ret_usec);

/*
 * Show usec to people, rounded to the nearest unit shown (halves up):
 *   negative        "-"           (not measured)
 *   below 1ms       "0us", "685us"
 *   below 1s        "1ms", "399ms"
 *   below 1m        "1.00s", "1.25s", "59.99s"
 *   from 1m on      "1m00s", "2m05s", "60m00s" (minutes and seconds, no hours)
 * A value that rounds up to the next form is shown in it: 999.5ms is
 * "1.00s", 59.995s is "1m00s". Writes into buf, cut short but terminated
 * when len is too small (32 always suffices); returns buf.
 */
const char *format_duration(int64_t usec, char *buf, size_t len);

#endif
