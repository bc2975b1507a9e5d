// Nothing to call: launch_settings.c acts when the program loads (see there).
