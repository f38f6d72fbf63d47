/* SPDX-License-Identifier: MIT */
/* `erebus report REPORT.json`: render a saved report again. */
#include "cli.h"

int cmd_report(const struct command *self, int argc, char **argv)
{
	static const struct option longopts[] = {
		CLI_OUTPUT_OPTIONS,
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct cli_outputs out = { 0 };
	struct report *rep = NULL;
	bool any = false;
	int c, code = 0;

	while ((c = cli_getopt(self, argc, argv, "h", longopts, &code)) >= 0) {
		switch (c) {
		case CLI_OUT_CASES:
			if ((code = cli_outputs_set(self->name, &out, c, optarg)))
				return code;
			any = true;
			break;
		}
	}
	if (c == CLI_OPT_EXIT)
		return code;
	if (optind != argc - 1)
		return cli_usage_error(self->name, "give one JSON report");
	if ((code = cli_outputs_check(self->name, &out)))
		return code;
	if ((code = cli_load_report(argv[optind], &rep)))
		return code;
	if (any) {
		code = cli_outputs_write(&out, rep);
	} else {
		struct sbuf text = { 0 };
		report_render_text(rep, &text);
		fputs(text.s + (text.s[0] == '\n'), stdout);
		sbuf_free(&text);
	}
	report_free(rep);
	return code;
}
