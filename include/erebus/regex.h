/* SPDX-License-Identifier: MIT */
/*
 * Extended regular expressions with bounded cost (src/base/regex.c), for
 * patterns matched against text other users control: every process's
 * command line, a service's answer. glibc's regcomp() expands nested
 * {m,n} repetitions (a 100-byte pattern can take gigabytes and seconds),
 * its regexec() backtracks without bound on back-references, and an
 * unanchored search starts over at every position (quadratic in the
 * text). So: patterns longer than REGEX_MAX_LEN, with a back-reference,
 * with a repetition count above REGEX_MAX_COUNT or whose repetitions
 * expand to more than REGEX_MAX_PARTS parts are refused; the rest are
 * compiled as ^.*(PATTERN), which glibc matches in one pass.
 */
#ifndef EREBUS_REGEX_H
#define EREBUS_REGEX_H

#include <regex.h>

#define REGEX_MAX_LEN 512
#define REGEX_MAX_COUNT 255
#define REGEX_MAX_PARTS 1000

/*
 * Check pattern against the bounds above, then compile it
 * (REG_EXTENDED | REG_NOSUB; match it with regexec(re, text, 0, NULL, 0)).
 * Returns 0, or -EINVAL with *ret_why, a message for people to follow the
 * quoted pattern ("has a back-reference (\1): ..."; caller frees); re is
 * then not to be freed.
 */
int regex_compile_bounded(regex_t *re, const char *pattern, char **ret_why);

#endif
