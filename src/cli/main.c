/*
 * cli/main.c - `mwlink`, the command-line tool.
 *
 * One binary, one subcommand per task (git style). Each subcommand is a
 * function `int cmd_x(int argc, char **argv)` returning a process exit
 * status: 0 success, 1 the task failed, 2 bad usage.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static int cmd_version(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("mwlink %s\n", MWLINK_VERSION);
	return 0;
}

static const struct cli_cmd commands[] = {
    {"version", cmd_version, "print the version"},
    {"geo", cmd_geo, "WGS84 conversions, geodesics, standard atmosphere"},
    {"envelope", cmd_envelope, "wire format demo: sign, frame, verify, tamper"},
    {"journal", cmd_journal, "journal check|dump|tracks PATH: verify or list a node's journal"},
    {"sim", cmd_sim, "flight and sensor simulator: scenario -> NDJSON"},
    {"keys", cmd_keys, "create a development PKI (CA, node/sensor certificates, keys)"},
    {"inject", cmd_inject, "stream test observations to a node as a sensor"},
    {"eval", cmd_eval, "Monte Carlo evaluation of the tracker against simulated truth"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: mwlink COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fprintf(f, "\n'mwlink COMMAND --help' describes each command.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "mwlink: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return 2;
}
