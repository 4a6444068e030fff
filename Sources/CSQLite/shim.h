#ifndef VIGIL_CSQLITE_SHIM_H
#define VIGIL_CSQLITE_SHIM_H

#include <sqlite3.h>

/// SQLITE_TRANSIENT is a macro over a function-pointer cast that Swift cannot import;
/// this gives Swift a value that makes SQLite copy bound text and blobs.
static inline sqlite3_destructor_type vigil_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

#endif
