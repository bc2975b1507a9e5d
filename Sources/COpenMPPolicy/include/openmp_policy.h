// Nothing to call: openmp_policy.c acts when the program loads (see there).
