#ifndef VIGIL_CSQLITE_SHIM_H
#define VIGIL_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a function-pointer cast that Swift cannot import;
/// this gives Swift a value that makes SQLite copy bound text and blobs.
static inline sqlite3_destructor_type vigil_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/// Turns off SQLite's memory statistics, which take a global mutex on every allocation.
/// sqlite3_config is variadic, so Swift calls it through here; it must run before SQLite
/// initializes (later it returns SQLITE_MISUSE and changes nothing).
static inline int vigil_sqlite_disable_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#endif
