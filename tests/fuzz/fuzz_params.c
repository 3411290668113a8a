/* SPDX-License-Identifier: MIT */
/* libFuzzer target: lumen run --params FILE (a provenance.json whose "parameters" are
 * replayed through the command line's option handlers) on arbitrary bytes, through the
 * real command (cmd_run of src/cli, linked in with its main renamed). The command line
 * ends in "-- stop", an unexpected argument, so whatever the file sets (even --out or
 * --manifest) the command stops with a usage error after reading it and never runs a
 * stage. Every file must give exit code 64 (usage) or a bad-data/input exit; never a
 * crash, a leak or an out-of-bounds access. The command's stderr goes to
 * /tmp/lumen-fuzz-params-stderr.PID (overwritten each run: after a crash it holds the
 * sanitizer's report). */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int cmd_run(int argc, char **argv); /* src/cli/cli.h */

static char path[64], errpath[64];

static void cleanup(void) /* a normal end; after a crash the report stays */
{
    unlink(path);
    unlink(errpath);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!path[0]) {
        int pid = (int)getpid();
        snprintf(path, sizeof(path), "/tmp/lumen-fuzz-params.%d.json", pid);
        snprintf(errpath, sizeof(errpath), "/tmp/lumen-fuzz-params-stderr.%d", pid);
        atexit(cleanup);
    }
    if (size > 1 << 16) return 0;
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    if (size) fwrite(data, 1, size, f);
    fclose(f);
    char a0[] = "run", a1[] = "--params", a3[] = "--", a4[] = "stop";
    char *argv[] = {a0, a1, path, a3, a4, NULL};
    fflush(stderr);
    int saved = dup(2), quiet = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (saved < 0 || quiet < 0) abort();
    dup2(quiet, 2);
    close(quiet);
    int rc = cmd_run(5, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    if (rc != 64 && rc != 65 && rc != 66) {
        fprintf(stderr, "fuzz_params: exit code %d (see %s)\n", rc, errpath);
        abort();
    }
    return 0;
}
