/*
 * fuzz/replay.c - corpus replay for builds without libFuzzer (gcc, the
 * sanitizer test build): feeds every regular file of each directory given
 * on the command line to LLVMFuzzerTestOneInput, in name order. `make
 * test` runs it over fuzz/corpus/<target>/ so every seed, and every input
 * a fuzzing run ever saved there, is replayed under ASan+UBSan.
 *
 * Exit status: 0 when at least one file was replayed, 1 when a directory
 * is missing or empty (a corpus that vanished is a failure, not a pass),
 * 2 for bad usage. A finding aborts through the sanitizers.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_MAX_FILE (4u << 20)

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	uint8_t *buf = malloc(REPLAY_MAX_FILE);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t n = fread(buf, 1, REPLAY_MAX_FILE, f);
	int bad = ferror(f) || !feof(f);
	fclose(f);
	if (bad) {
		free(buf);
		return -1;
	}
	/* an exact-size copy, so ASan sees any read past the input's end */
	uint8_t *in = malloc(n ? n : 1);
	if (!in) {
		free(buf);
		return -1;
	}
	memcpy(in, buf, n);
	free(buf);
	LLVMFuzzerTestOneInput(in, n);
	free(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR...\n", argv[0]);
		return 2;
	}
	size_t total = 0;
	for (int d = 1; d < argc; d++) {
		DIR *dir = opendir(argv[d]);
		if (!dir) {
			fprintf(stderr, "replay: cannot open %s\n", argv[d]);
			return 1;
		}
		char **names = NULL;
		size_t n = 0, cap = 0;
		struct dirent *de;
		while ((de = readdir(dir))) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				char **nn = realloc(names, cap * sizeof(*names));
				if (!nn)
					return 1;
				names = nn;
			}
			names[n] = strdup(de->d_name);
			if (!names[n])
				return 1;
			n++;
		}
		closedir(dir);
		if (n)
			qsort(names, n, sizeof(*names), by_name);
		size_t done = 0;
		for (size_t i = 0; i < n; i++) {
			char path[4096];
			struct stat st;
			snprintf(path, sizeof(path), "%s/%s", argv[d], names[i]);
			if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
				if (replay_file(path) < 0) {
					fprintf(stderr, "replay: cannot read %s\n", path);
					return 1;
				}
				done++;
			}
			free(names[i]);
		}
		free(names);
		printf("replay: %zu inputs from %s\n", done, argv[d]);
		if (done == 0) {
			fprintf(stderr, "replay: %s has no inputs\n", argv[d]);
			return 1;
		}
		total += done;
	}
	return total ? 0 : 1;
}
