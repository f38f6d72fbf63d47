/* SPDX-License-Identifier: MIT */
/* `erebus faults`: every fault and probe type, their keys, and whether each
 * fault is supported here; test_docs.sh reads this output. */
#include "erebus/fault.h"
#include "erebus/probe.h"

#include "cli.h"

static void print_options(const struct opt_def *t, const char *indent)
{
	for (; t && t->key; t++) {
		printf("%s%-22s %-11s", indent, t->key, opt_type_name(t->type));
		if (t->flags & OPT_REQUIRED)
			printf(" required.");
		else if (t->def)
			printf(" default %s.", t->def);
		printf(" %s%s\n", t->help, t->flags & OPT_MULTI ? " (may be repeated)" : "");
	}
}

int cmd_faults(const struct command *self, int argc, char **argv)
{
	printf("Fault types (keys common to every [fault NAME]):\n");
	print_options(fault_options, "    ");
	for (size_t i = 0; fault_types[i]; i++) {
		const struct fault_type *ft = fault_types[i];
		const char *why = NULL;
		bool ok = !ft->supported || ft->supported(&why) == 0;
		printf("\n  %-10s %s\n  %-10s supported here: %s%s\n", ft->name, ft->summary, "",
		       ok ? "yes" : "NO: ", ok ? "" : why);
		print_options(ft->options, "    ");
	}
	printf("\nProbe types (keys common to every [probe NAME]):\n");
	print_options(probe_options, "    ");
	for (size_t i = 0; probe_types[i]; i++) {
		printf("\n  %-10s %s\n", probe_types[i]->name, probe_types[i]->summary);
		print_options(probe_types[i]->options, "    ");
	}
	printf("\n[target NAME] keys:\n");
	print_options(target_options, "    ");
	printf("\n[experiment] keys:\n");
	print_options(experiment_options, "    ");
	return 0;
}
