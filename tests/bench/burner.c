/* SPDX-License-Identifier: MIT */
/*
 * burner: spin on one CPU until killed (or for --seconds N), for the
 * throttle tests and benchmarks. Prints its pid and flushes once it spins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	double limit = 0;
	unsigned long x = 0;
	struct timespec start, now;

	if (argc == 3 && !strcmp(argv[1], "--seconds"))
		limit = atof(argv[2]);
	printf("burner %d spinning\n", (int)getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		for (int i = 0; i < 1000000; i++)
			x += (unsigned long)i;
		__asm__ volatile("" : : "r"(x));	/* keep the work */
		if (limit > 0) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			if ((double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) / 1e9 > limit)
				return 0;
		}
	}
}
