#pragma once
// Thin RAII wrappers over the sqlite3 C API: a connection and prepared statements, with
// errors turned into Status (EIO plus SQLite's message; EBUSY for SQLITE_BUSY).
// A Db and its Stmts are used by one thread at a time.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/base/status.h"

namespace orch::store::sqlite {

class Db;

class Stmt {
 public:
  Stmt() = default;
  Stmt(Stmt&& o) noexcept : db_(o.db_), s_(o.s_) { o.s_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  // Resets the statement and clears its bindings, ready for a new execution.
  Stmt& reset();
  // Binds by 1-based index. Text/blob bindings copy the data.
  Stmt& bind(int i, int64_t v);
  Stmt& bindBlob(int i, std::string_view v);
  // Advances: true when a row is available, false when done.
  Result<bool> step();
  // Runs to completion, ignoring rows.
  Status exec();

  int64_t int64(int col) const { return sqlite3_column_int64(s_, col); }
  bool isNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string blob(int col) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* s) : db_(db), s_(s) {}
  sqlite3* db_ = nullptr;
  sqlite3_stmt* s_ = nullptr;
};

class Db {
 public:
  static Result<Db> open(const std::string& path);
  Db(Db&& o) noexcept : db_(o.db_) { o.db_ = nullptr; }
  Db& operator=(Db&& o) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more statements without results.
  Status exec(const std::string& sql);
  Result<Stmt> prepare(const std::string& sql);
  sqlite3* raw() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  sqlite3* db_ = nullptr;
};

// A Status for a failed SQLite call on `db` (rc is the result code).
Status sqliteError(sqlite3* db, int rc, std::string_view what);

}  // namespace orch::store::sqlite
