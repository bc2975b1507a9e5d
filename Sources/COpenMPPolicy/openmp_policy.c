// oneDNN as Debian builds it runs its kernels on an OpenMP (libgomp) team. By default libgomp's
// threads spin for a while after each parallel region, waiting for the next one; between two
// oneDNN calls our own threads (Dispatch, OpenBLAS) then fight those spinning threads for the
// cores: on the 2-core machine a RN101 batch-5 forward took 6.6 s instead of 1.8 s with the
// threads asleep (OMP_WAIT_POLICY=passive).
//
// libgomp reads OMP_WAIT_POLICY once, in its initialiser, before main, and has no call to change
// it later. Setting the variable from a program's preinit array (which runs before any shared
// library's initialiser) does not survive either: libc's own initialiser then resets the
// environment to the one the kernel passed. So when the variable is unset, the program starts
// itself again at once with it set: the same arguments, the same environment plus
// OMP_WAIT_POLICY=passive, before any library has run. A policy the user sets is kept as it is.
#include <string.h>
#include <unistd.h>

static void prefer_passive_openmp_threads(int argc, char **argv, char **envp) {
    (void)argc;
    static char setting[] = "OMP_WAIT_POLICY=passive";
    size_t count = 0;
    for (; envp[count] != NULL; count++) {
        if (strncmp(envp[count], "OMP_WAIT_POLICY=", 16) == 0) return;
    }
    char *environment[count + 2];
    memcpy(environment, envp, count * sizeof(char *));
    environment[count] = setting;
    environment[count + 1] = NULL;
    // Without /proc the program simply goes on with libgomp's default.
    execve("/proc/self/exe", argv, environment);
}

__attribute__((section(".preinit_array"), used)) static void (*const prefer_passive_openmp_threads_entry)(int, char **, char **) =
    prefer_passive_openmp_threads;
