#include <sqlite3.h>

/// `SQLITE_TRANSIENT` is a function-pointer cast macro that Swift cannot import. Binding with it makes
/// SQLite copy the text or blob before `sqlite3_bind_*` returns, so Swift's buffer may go away.
static inline sqlite3_destructor_type steward_sqlite_transient(void) {
    return SQLITE_TRANSIENT;
}
