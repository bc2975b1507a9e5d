// Nothing to call: thread_wait_policy.c acts when the program loads (see there).
