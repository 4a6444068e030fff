import Foundation

/// Runs `sql` on the database at `path` with the sqlite3 shell: its status, output rows and errors.
func sqliteShell(_ path: String, _ sql: String) async throws -> (status: Int32, rows: [String], stderr: String) {
    let result = try await runToCompletion(URL(fileURLWithPath: "/usr/bin/sqlite3"), [path, sql])
    return (result.status, result.stdout.split(separator: "\n").map(String.init), result.stderr)
}

/// Runs `sql`, which must succeed.
func sqlite(_ path: String, _ sql: String) async throws {
    let result = try await sqliteShell(path, sql)
    guard result.status == 0 else { throw TestFailure("sqlite3 \(path) failed: \(result.stderr)") }
}

/// Runs a query and returns one string per row.
func sqliteQuery(_ path: String, _ sql: String) async throws -> [String] {
    try await sqliteShell(path, sql).rows
}
