/*
 * main.c: `oyako [-J DIR] COMMAND [ARGS]`, git-style.
 *
 * A command is a built-in of the table below or, failing that, the program
 * oyako-COMMAND found next to this binary or on PATH: the projection tools
 * are separate programs that plug in there.  -J given before the command
 * reaches such a program as $OYAKO_JOURNAL.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oyako.h"

#define OYAKO_VERSION "0.1.0"

static const struct builtin {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} builtins[] = {
	{ "init", cmd_init, "create a new, empty journal" },
	{ "append", cmd_append, "append one event, from options or one JSON line on stdin" },
	{ "import", cmd_import, "import JSON Lines files: every event or none" },
	{ "export", cmd_export, "write events as JSON Lines" },
	{ "show", cmd_show, "show one stream's history, retractions marked" },
	{ "verify", cmd_verify, "recompute the hash chain and check every index" },
	{ "stats", cmd_stats, "counts per type, dates, head, size on disk" },
	{ "upgrade", cmd_upgrade, "rewrite a journal of storage format 1 in format 2" },
};

#define NBUILTINS (sizeof builtins / sizeof builtins[0])

static const char usage_text[] =
    "usage: oyako [-J DIR] COMMAND [ARGS]\n"
    "       oyako --help | --version\n";

/* The directory holding this binary, or "" when it cannot be found. */
static void
exe_dir(char *dir, size_t size)
{
	ssize_t n;
	char *slash;

	dir[0] = '\0';
	n = readlink("/proc/self/exe", dir, size - 1);
	if (n <= 0)
		return;
	dir[n] = '\0';
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
}

static int
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* The names of the oyako-* programs in the directories to search. */
typedef struct names {
	char **v;
	size_t n, cap;
} names;

static void
names_scan(names *ns, const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t i;

	if (*dir == '\0' || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		const char *cmd = de->d_name + strlen("oyako-");

		if (strncmp(de->d_name, "oyako-", 6) != 0 || *cmd == '\0')
			continue;
		if (snprintf(path, sizeof path, "%s/%s", dir, de->d_name) >= (int)sizeof path ||
		    !is_executable(path))
			continue;
		for (i = 0; i < ns->n; i++)
			if (strcmp(ns->v[i], cmd) == 0)
				break;
		if (i < ns->n)
			continue;
		if (ns->n == ns->cap) {
			size_t cap = ns->cap ? ns->cap * 2 : 16;
			char **v = realloc(ns->v, cap * sizeof *v);

			if (v == NULL)
				break;
			ns->v = v;
			ns->cap = cap;
		}
		if ((ns->v[ns->n] = strdup(cmd)) != NULL)
			ns->n++;
	}
	closedir(d);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
help(void)
{
	char dir[PATH_MAX];
	const char *path = getenv("PATH");
	char *copy, *tok, *save;
	names ns = { NULL, 0, 0 };
	size_t i;

	fputs(usage_text, stdout);
	fputs("\nOptions:\n"
	    "  -J, --journal DIR   the journal (default: $OYAKO_JOURNAL, else ./oyako-journal)\n"
	    "  -h, --help          this help; 'oyako COMMAND --help' for a command's\n"
	    "\nCommands:\n", stdout);
	for (i = 0; i < NBUILTINS; i++)
		printf("  %-8s %s\n", builtins[i].name, builtins[i].help);
	exe_dir(dir, sizeof dir);
	names_scan(&ns, dir);
	if (path && (copy = strdup(path)) != NULL) {
		for (tok = strtok_r(copy, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
			names_scan(&ns, tok);
		free(copy);
	}
	if (ns.n) {
		qsort(ns.v, ns.n, sizeof *ns.v, cmp_str);
		fputs("\nMore commands (oyako-* programs found):\n", stdout);
		for (i = 0; i < ns.n; i++) {
			printf("  %s\n", ns.v[i]);
			free(ns.v[i]);
		}
	}
	free(ns.v);
	fputs("\nExit codes: 0 ok, 1 internal error, 2 usage, 3 bad input (nothing stored),\n"
	    "4 conflict, 5 integrity, 6 I/O or system, 7 not found, 8 run 'oyako upgrade'.\n"
	    "See oyako(1).\n", stdout);
	return EX_OK;
}

/* Runs oyako-CMD with the remaining arguments; returns only on failure. */
static int
run_external(const char *cmd, char **argv)
{
	char dir[PATH_MAX], prog[NAME_MAX + 1], path[PATH_MAX];

	if (strchr(cmd, '/') != NULL || *cmd == '\0' ||
	    snprintf(prog, sizeof prog, "oyako-%s", cmd) >= (int)sizeof prog) {
		cli_error("'%s' is not an oyako command (see 'oyako --help')", cmd);
		return EX_NOTFOUND;
	}
	if (oy_journal_opt && setenv("OYAKO_JOURNAL", oy_journal_opt, 1) != 0) {
		cli_error("cannot set OYAKO_JOURNAL: %s", strerror(errno));
		return EX_IO;
	}
	argv[0] = prog;
	fflush(NULL);
	/* Next to this binary first, so that an installed set of tools sticks
	 * together whatever PATH says. */
	exe_dir(dir, sizeof dir);
	if (*dir && snprintf(path, sizeof path, "%s/%s", dir, prog) < (int)sizeof path &&
	    is_executable(path)) {
		execv(path, argv);
		cli_error("cannot run '%s': %s", path, strerror(errno));
		return EX_IO;
	}
	execvp(prog, argv);
	if (errno == ENOENT || errno == ENOTDIR) {
		cli_error("'%s' is not an oyako command, and no program '%s' was found "
		    "(see 'oyako --help')", cmd, prog);
		return EX_NOTFOUND;
	}
	cli_error("cannot run '%s': %s", prog, strerror(errno));
	return EX_IO;
}

int
main(int argc, char **argv)
{
	const char *arg;
	size_t k;
	int i;

	cli_init(argc, argv);
	cli_progname = "oyako";
	/* Global options, up to the command word. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		arg = argv[i];
		if (strcmp(arg, "--") == 0) {
			i++;
			break;
		}
		if (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)
			return help();
		if (strcmp(arg, "--version") == 0) {
			printf("oyako %s\n", OYAKO_VERSION);
			return EX_OK;
		}
		if (strcmp(arg, "-J") == 0 || strcmp(arg, "--journal") == 0) {
			if (i + 1 >= argc || argv[i + 1][0] == '\0') {
				cli_error("option '%s' needs a directory", arg);
				return oy_usage(usage_text, 0);
			}
			oy_journal_opt = argv[++i];
		} else if (strncmp(arg, "-J", 2) == 0) {
			oy_journal_opt = arg + 2;
		} else if (strncmp(arg, "--journal=", 10) == 0 && arg[10]) {
			oy_journal_opt = arg + 10;
		} else {
			cli_error("unknown option '%s'", arg);
			return oy_usage(usage_text, 0);
		}
	}
	if (i >= argc) {
		cli_error("no command given (see 'oyako --help')");
		return oy_usage(usage_text, 0);
	}
	for (k = 0; k < NBUILTINS; k++)
		if (strcmp(argv[i], builtins[k].name) == 0)
			return builtins[k].fn(argc - i, argv + i);
	if (strcmp(argv[i], "help") == 0)
		return help();
	return run_external(argv[i], argv + i);
}
