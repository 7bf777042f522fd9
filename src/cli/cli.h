/*
 * cli/cli.h - subcommands of `mwlink`. Each cmd_*.c file defines one
 * `int cmd_<name>(int argc, char **argv)`, declared here and listed in
 * the table in main.c. argv[0] is the subcommand name.
 */
#ifndef MW_CLI_CLI_H
#define MW_CLI_CLI_H

#ifndef MWLINK_VERSION
#define MWLINK_VERSION "0.1.0"
#endif

struct cli_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_geo(int argc, char **argv);
int cmd_envelope(int argc, char **argv);
int cmd_journal(int argc, char **argv);
int cmd_sim(int argc, char **argv);
int cmd_keys(int argc, char **argv);
int cmd_inject(int argc, char **argv);
int cmd_eval(int argc, char **argv);

#endif
