// Typed wrappers around SQLite's variadic sqlite3_config, which Swift cannot call directly.
#ifndef C_SQLITE_SHIM_H
#define C_SQLITE_SHIM_H

#include <sqlite3.h>

// Turns off SQLite's memory statistics: every allocation otherwise takes a process-wide mutex
// to keep counters nobody here reads. Only has an effect before SQLite is first used in the
// process; returns SQLITE_MISUSE after that.
static inline int CSQLite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
