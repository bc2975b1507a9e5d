// The thread pools of the libraries we call must let their threads sleep between calls, not
// spin against ours (Dispatch) for the 2 cores:
//
// - oneDNN as Debian builds it runs its kernels on an OpenMP (libgomp) team. By default
//   libgomp's threads spin for a while after each parallel region, waiting for the next one; on
//   the 2-core machine a RN101 batch-5 forward took 6.6 s instead of 1.8 s with the threads
//   asleep (OMP_WAIT_POLICY=passive).
// - OpenBLAS's pthread workers call sched_yield in a loop for 2^28 cycles (~0.1 s) after each
//   GEMM before they sleep, so they never sleep within a method step: a profile of a CLIPasso
//   step put 17% of its samples in sched_yield and the scheduler, CLIPAG's 7.5%.
//   OPENBLAS_THREAD_TIMEOUT=4 (its minimum, 2^4 cycles) halved the system time of CLIPDraw,
//   CLIPAG and RN101 steps and took 2-10% off their medians (README, Speed).
//
// Both libraries read their variable once, in their initialisers, before main, and have no call
// to change it later. Setting a variable from a program's preinit array (which runs before any
// shared library's initialiser) does not survive either: libc's own initialiser then resets the
// environment to the one the kernel passed. So when a variable is unset, the program starts
// itself again at once with it set: the same arguments, the same environment plus the missing
// settings, before any library has run. A setting the user made is kept as it is.
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static char *const settings[] = {"OMP_WAIT_POLICY=passive", "OPENBLAS_THREAD_TIMEOUT=4"};
enum { setting_count = sizeof settings / sizeof settings[0] };

static bool is_set(char **envp, const char *setting) {
    size_t name_length = strchr(setting, '=') - setting + 1;
    for (size_t i = 0; envp[i] != NULL; i++) {
        if (strncmp(envp[i], setting, name_length) == 0) return true;
    }
    return false;
}

static void prefer_sleeping_library_threads(int argc, char **argv, char **envp) {
    (void)argc;
    size_t count = 0;
    while (envp[count] != NULL) count++;
    char *environment[count + setting_count + 1];
    memcpy(environment, envp, count * sizeof(char *));
    size_t added = 0;
    for (size_t i = 0; i < setting_count; i++) {
        if (!is_set(envp, settings[i])) environment[count + added++] = settings[i];
    }
    if (added == 0) return;
    environment[count + added] = NULL;
    // The executable's own path, not /proc/self/exe itself, so the process keeps its name in ps
    // and pkill (the kernel names it after the file it ran). Without /proc the program simply
    // goes on with the libraries' defaults.
    char path[4096];
    ssize_t length = readlink("/proc/self/exe", path, sizeof path - 1);
    if (length <= 0) return;
    path[length] = '\0';
    execve(path, argv, environment);
}

__attribute__((section(".preinit_array"), used)) static void (*const prefer_sleeping_library_threads_entry)(int, char **, char **) =
    prefer_sleeping_library_threads;
