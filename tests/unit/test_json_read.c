/* SPDX-License-Identifier: MIT */
/*
 * Unit tests for the JSON reader (src/base/json_read.c): what it accepts,
 * every kind of malformed input it must refuse (with where and why), its
 * limits, and that no prefix or byte flip of a real report crashes it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "erebus/json.h"
#include "erebus/report.h"

static struct json *parse_ok(const char *text)
{
	struct json *j = NULL;
	char *err = NULL;
	int r = json_parse(text, strlen(text), NULL, &j, &err);

	if (r < 0)
		fail_msg("json_parse(%s) failed: %s", text, err);
	return j;
}

static void test_scalars(void **state)
{
	struct json *j;
	int64_t i;
	uint64_t u;

	j = parse_ok(" null ");
	assert_int_equal(j->type, JSON_NULL);
	json_free(j);
	j = parse_ok("true");
	assert_int_equal(j->type, JSON_BOOL);
	assert_true(j->boolean);
	json_free(j);
	j = parse_ok("\tfalse\r\n");
	assert_int_equal(j->type, JSON_BOOL);
	assert_false(j->boolean);
	json_free(j);
	j = parse_ok("-12.5e-1");
	assert_int_equal(j->type, JSON_NUMBER);
	assert_float_equal(j->number, -1.25, 1e-12);
	assert_string_equal(j->text, "-12.5e-1");
	assert_int_equal(json_int64(j, &i), -EINVAL);	/* not written as an integer */
	json_free(j);
	j = parse_ok("-0");
	assert_int_equal(json_int64(j, &i), 0);
	assert_int_equal(i, 0);
	assert_int_equal(json_uint64(j, &u), -ERANGE);
	json_free(j);
	j = parse_ok("18446744073709551615");
	assert_int_equal(json_uint64(j, &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(json_int64(j, &i), -ERANGE);
	json_free(j);
	j = parse_ok("18446744073709551616");
	assert_int_equal(json_uint64(j, &u), -ERANGE);
	json_free(j);
	j = parse_ok("-9223372036854775808");
	assert_int_equal(json_int64(j, &i), 0);
	assert_true(i == INT64_MIN);
	json_free(j);
	j = parse_ok("1E+2");
	assert_float_equal(j->number, 100, 0);
	json_free(j);
}

static void test_strings(void **state)
{
	struct json *j = parse_ok("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\u20AC \\ud83d\\ude00 \xc3\xa9 \xf0\x9f\x98\x80\"");

	assert_int_equal(j->type, JSON_STRING);
	assert_string_equal(j->text, "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xa9 \xf0\x9f\x98\x80");
	assert_int_equal(j->len, strlen(j->text));
	json_free(j);
	j = parse_ok("\"\"");
	assert_string_equal(j->text, "");
	assert_int_equal(j->len, 0);
	json_free(j);
}

static void test_structures(void **state)
{
	struct json *j = parse_ok("{\n  \"a\": [1, {\"b\": []}, \"c\"],\n  \"d\": {},\n  \"e\": null\n}");
	const struct json *a;

	assert_int_equal(j->type, JSON_OBJECT);
	assert_int_equal(j->n, 3);
	assert_string_equal(j->members[0].key, "a");
	assert_string_equal(j->members[2].key, "e");
	a = json_get(j, "a");
	assert_non_null(a);
	assert_int_equal(a->type, JSON_ARRAY);
	assert_int_equal(a->n, 3);
	assert_int_equal(a->line, 2);
	assert_int_equal(a->col, 8);
	assert_int_equal(a->items[1].type, JSON_OBJECT);
	assert_int_equal(json_get(&a->items[1], "b")->n, 0);
	assert_string_equal(a->items[2].text, "c");
	assert_int_equal(json_get(j, "d")->type, JSON_OBJECT);
	assert_int_equal(json_get(j, "e")->type, JSON_NULL);
	assert_null(json_get(j, "f"));
	assert_null(json_get(a, "a"));	/* not an object */
	json_free(j);
	json_free(NULL);
}

/* The input need not be NUL-terminated: only len bytes are read. */
static void test_length_bounded(void **state)
{
	struct json *j = NULL;
	char *err = NULL;

	assert_int_equal(json_parse("[1]garbage", 3, NULL, &j, &err), 0);
	assert_int_equal(j->n, 1);
	json_free(j);
	assert_int_equal(json_parse("[1]\0", 4, NULL, &j, &err), -EINVAL);
	assert_string_equal(err, "line 1, column 4: unexpected byte 0x00 after the JSON value");
	free(err);
}

struct bad {
	const char *in;
	size_t len;	/* 0: strlen */
	const char *err;
};

static const struct bad bad_inputs[] = {
	{ "", 0, "line 1, column 1: expected a value, not the end of the input" },
	{ "  \n ", 0, "line 2, column 2: expected a value, not the end of the input" },
	{ "[1,]", 0, "line 1, column 4: trailing comma before ']'" },
	{ "{\"a\": 1,}", 0, "line 1, column 9: trailing comma before '}'" },
	{ "[1 2]", 0, "line 1, column 4: expected ',' or ']' after an array element, not '2'" },
	{ "[1", 0, "line 1, column 3: expected ',' or ']' after an array element, not the end of the input" },
	{ "{\"a\" 1}", 0, "line 1, column 6: expected ':' after the key \"a\", not '1'" },
	{ "{\"a\": 1 \"b\": 2}", 0, "line 1, column 9: expected ',' or '}' after an object member, not '\"'" },
	{ "{a: 1}", 0, "line 1, column 2: expected a string as object key, not 'a'" },
	{ "{'a': 1}", 0, "line 1, column 2: expected a string as object key, not '''" },
	{ "01", 0, "line 1, column 1: a number cannot start with 0 followed by digits" },
	{ "-01", 0, "line 1, column 1: a number cannot start with 0 followed by digits" },
	{ "1.", 0, "line 1, column 3: expected a digit after the decimal point" },
	{ ".5", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not '.'" },
	{ "1e", 0, "line 1, column 3: expected a digit in the exponent" },
	{ "1e+", 0, "line 1, column 4: expected a digit in the exponent" },
	{ "-", 0, "line 1, column 2: expected a digit in the number" },
	{ "+1", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not '+'" },
	{ "NaN", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not 'N'" },
	{ "Infinity", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not 'I'" },
	{ "1e999", 0, "line 1, column 1: number 1e999 is out of range" },
	{ "tru", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not 't'" },
	{ "nul", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not 'n'" },
	{ "True", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not 'T'" },
	{ "\"abc", 0, "line 1, column 1: string not closed: the input ends inside it" },
	{ "\"abc\\", 0, "line 1, column 1: string not closed: the input ends inside it" },
	{ "\"a\nb\"", 0, "line 1, column 3: raw control character 0x0a in a string (write it as \\u000a)" },
	{ "\"a\tb\"", 0, "line 1, column 3: raw control character 0x09 in a string (write it as \\u0009)" },
	{ "\"\\x\"", 0, "line 1, column 2: invalid escape \\x in a string" },
	{ "\"\\'\"", 0, "line 1, column 2: invalid escape \\' in a string" },
	{ "\"\\u12\"", 0, "line 1, column 2: \\u must be followed by four hex digits" },
	{ "\"\\u12G4\"", 0, "line 1, column 2: \\u must be followed by four hex digits" },
	{ "\"\\ud800\"", 0, "line 1, column 2: \\ud800 is a high surrogate without a low one" },
	{ "\"\\ud800\\u0041\"", 0, "line 1, column 2: \\ud800 is a high surrogate without a low one" },
	{ "\"\\udc00\"", 0, "line 1, column 2: \\udc00 is a low surrogate without a high one" },
	{ "\"\\u0000\"", 0, "line 1, column 2: \\u0000 (NUL) is not allowed in strings here" },
	{ "\"\xff\"", 0, "line 1, column 2: invalid UTF-8 in a string" },
	{ "\"\xc0\xaf\"", 0, "line 1, column 2: invalid UTF-8 in a string" },		/* overlong '/' */
	{ "\"\xe0\x80\xaf\"", 0, "line 1, column 2: invalid UTF-8 in a string" },	/* overlong */
	{ "\"\xed\xa0\x80\"", 0, "line 1, column 2: invalid UTF-8 in a string" },	/* a surrogate */
	{ "\"\xf4\x90\x80\x80\"", 0, "line 1, column 2: invalid UTF-8 in a string" },	/* > U+10FFFF */
	{ "\"\xc3\"", 0, "line 1, column 2: invalid UTF-8 in a string" },		/* truncated */
	{ "\"\x80\"", 0, "line 1, column 2: invalid UTF-8 in a string" },		/* lone continuation */
	{ "{\"a\": 1, \"a\": 2}", 0, "line 1, column 10: duplicate key \"a\"" },
	{ "[1] [2]", 0, "line 1, column 5: unexpected '[' after the JSON value" },
	{ "{} x", 0, "line 1, column 4: unexpected 'x' after the JSON value" },
	{ "\xef\xbb\xbf[]", 0, "line 1, column 1: starts with a byte-order mark (JSON must not)" },
	{ "/* c */ 1", 0, "line 1, column 1: expected a value (object, array, string, number, true, false or null), not '/'" },
	{ "[1,\n  2,\n  ,3]", 0, "line 3, column 3: expected a value (object, array, string, number, true, false or null), not ','" },
	{ "[\x01]", 0, "line 1, column 2: expected a value (object, array, string, number, true, false or null), not byte 0x01" },
	{ "{\"a\":\n  [1,\n   2,,3]}", 0, "line 3, column 6: expected a value (object, array, string, number, true, false or null), not ','" },
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < ARRAY_SIZE(bad_inputs); i++) {
		const struct bad *b = &bad_inputs[i];
		struct json *j = NULL;
		char *err = NULL;
		int r = json_parse(b->in, b->len ? b->len : strlen(b->in), NULL, &j, &err);

		if (r >= 0)
			fail_msg("accepted malformed input #%zu: %s", i, b->in);
		assert_null(j);
		if (strcmp(err, b->err))
			fail_msg("input #%zu %s:\n  want: %s\n  got:  %s", i, b->in, b->err, err);
		free(err);
	}
}

static void test_depth_limit(void **state)
{
	struct sbuf ok = { 0 }, deep = { 0 };
	struct json *j = NULL;
	char *err = NULL;

	for (unsigned i = 0; i < json_default_limits.max_depth; i++)
		sbuf_add(&ok, "[");
	for (unsigned i = 0; i < json_default_limits.max_depth; i++)
		sbuf_add(&ok, "]");
	assert_int_equal(json_parse(ok.s, ok.len, NULL, &j, &err), 0);
	json_free(j);

	/* far deeper than the limit: refused without recursing that deep */
	for (unsigned i = 0; i < 100000; i++)
		sbuf_add(&deep, i % 2 ? "[" : "{\"k\":");
	assert_int_equal(json_parse(deep.s, deep.len, NULL, &j, &err), -E2BIG);
	assert_non_null(strstr(err, "nested deeper than 32 levels"));
	free(err);
	sbuf_free(&ok);
	sbuf_free(&deep);
}

static void test_other_limits(void **state)
{
	struct json_limits lim = json_default_limits;
	struct json *j = NULL;
	char *err = NULL;

	lim.max_values = 3;
	assert_int_equal(json_parse("[1,2]", 5, &lim, &j, &err), 0);
	json_free(j);
	assert_int_equal(json_parse("[1,2,3]", 7, &lim, &j, &err), -E2BIG);
	assert_string_equal(err, "line 1, column 6: more than 3 values");
	free(err);

	lim = json_default_limits;
	lim.max_string = 4;
	assert_int_equal(json_parse("[\"abcd\"]", 8, &lim, &j, &err), 0);
	json_free(j);
	assert_int_equal(json_parse("[\"abcde\"]", 9, &lim, &j, &err), -E2BIG);
	assert_string_equal(err, "line 1, column 2: string longer than 4 bytes");
	free(err);
	assert_int_equal(json_parse("{\"abcde\": 1}", 12, &lim, &j, &err), -E2BIG);
	free(err);

	lim = json_default_limits;
	lim.max_bytes = 4;
	assert_int_equal(json_parse("[1, 2]", 6, &lim, &j, &err), -E2BIG);
	assert_string_equal(err, "input is 6 bytes, more than the limit of 4");
	free(err);

	assert_int_equal(json_parse("12345678901234567890123456789012345678901234567890123456789012345", 65, NULL,
				    &j, &err), -E2BIG);
	assert_string_equal(err, "line 1, column 1: number longer than 64 characters");
	free(err);
}

/* Duplicate keys are found in linear time, however many keys. */
static void test_many_keys(void **state)
{
	struct sbuf b = { 0 };
	struct json *j = NULL;
	char *err = NULL;
	const unsigned n = 200000;

	sbuf_add(&b, "{");
	for (unsigned i = 0; i < n; i++)
		sbuf_addf(&b, "\"k%u\":%u,", i, i);
	b.s[--b.len] = '\0';
	sbuf_add(&b, "}");
	assert_int_equal(json_parse(b.s, b.len, NULL, &j, &err), 0);
	assert_int_equal(j->n, n);
	assert_int_equal(json_get(j, "k199999")->number, 199999);
	json_free(j);
	b.s[--b.len] = '\0';
	sbuf_add(&b, ",\"k123\":0}");
	assert_int_equal(json_parse(b.s, b.len, NULL, &j, &err), -EINVAL);
	assert_non_null(strstr(err, "duplicate key \"k123\""));
	free(err);
	sbuf_free(&b);
}

/* Every prefix of a real report, and every byte of it replaced by a few
 * troublesome ones: refused or read, never a crash or a leak (ASan). */
static void test_prefixes_and_flips(void **state)
{
	_cleanup_free_ char *text = NULL;
	ssize_t n = read_file_max("tests/fixtures/reports/aborted.json", 1 << 20, &text);
	static const char flips[] = { '"', '\\', '{', ']', ',', '\0', '\n', 'e', '-', '\x80' };
	size_t accepted = 0;

	if (n < 0)
		fail_msg("tests/fixtures/reports/aborted.json: %s (run from the top of the tree)", strerror((int)-n));
	for (size_t len = 0; len < (size_t)n; len++) {
		struct report *r = NULL;
		char *err = NULL;
		if (report_from_json(text, len, &r, &err) == 0) {
			report_free(r);
			accepted++;
		} else {
			assert_non_null(err);
			free(err);
		}
	}
	/* only the whole document, and the prefixes that drop trailing space */
	assert_true(accepted <= 1);
	for (size_t i = 0; i < (size_t)n; i += 3) {
		for (size_t f = 0; f < sizeof(flips); f++) {
			char saved = text[i];
			struct report *r = NULL;
			char *err = NULL;
			text[i] = flips[f];
			if (report_from_json(text, (size_t)n, &r, &err) == 0)
				report_free(r);
			else
				free(err);
			text[i] = saved;
		}
	}
}

/* sbuf_add_json_string(): what it writes reads back as the string, with
 * invalid UTF-8 as U+FFFD; NULL is null. */
static void test_write_string(void **state)
{
	static const char *const in[] = { "plain", "quote \" and \\ back", "tab\tcr\rnl\n\x01\x7f",
					  "caf\xc3\xa9 \xe2\x82\xac", "" };
	struct sbuf b = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(in); i++) {
		struct json *j;

		b.len = 0;
		sbuf_add_json_string(&b, in[i]);
		j = parse_ok(b.s);
		assert_int_equal(j->type, JSON_STRING);
		assert_string_equal(j->text, in[i]);
		json_free(j);
	}
	b.len = 0;
	sbuf_add_json_string(&b, "bad \xff byte");
	assert_string_equal(b.s, "\"bad \xef\xbf\xbd byte\"");
	b.len = 0;
	sbuf_add_json_string(&b, NULL);
	assert_string_equal(b.s, "null");
	sbuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_structures),
		cmocka_unit_test(test_length_bounded),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_other_limits),
		cmocka_unit_test(test_many_keys),
		cmocka_unit_test(test_prefixes_and_flips),
		cmocka_unit_test(test_write_string),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
