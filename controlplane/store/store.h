#pragma once
// orch::store — the apiserver's storage: a revisioned key-value store with compare-and-swap
// writes, point-in-time reads and ordered watches. Two backends implement it with the same
// observable behaviour: SqliteStore (embedded, default) and EtcdStore (etcd v3 over gRPC).
//
// Model (the etcd v3 model):
//  - Keys are byte strings ("/registry/pods/default/web"); values are opaque bytes.
//  - Every successful write gets a new global revision (int64, strictly increasing, starting at
//    1). A key-value carries create_revision (the revision that created this incarnation of the
//    key), mod_revision (the revision of its last write) and version (writes since creation,
//    1 on create). A delete ends the incarnation; a later create starts a new one.
//  - Reads at revision 0 see the latest committed state; reads at revision R > 0 see the state
//    right after revision R was applied.
//  - compact(C) discards history older than C: reads at R < C and watches that would need an
//    event with revision < C fail with a "compacted" status (isCompacted), which the apiserver
//    turns into 410 Gone. Compacting at or below the current compacted revision is a no-op.
//
// Writes are acknowledged only once durable (SQLite: committed and fsynced; etcd: committed by
// the cluster).
//
// Errors (Status codes are errno values; use the helpers below, never compare errno by hand):
//   isNotFound      ENOENT  the key does not exist (get, update, remove)
//   isAlreadyExists EEXIST  create of a key that exists
//   isConflict      ESTALE  update/remove whose expected_mod_revision differs from the key's
//   isCompacted     ERANGE  read or watch at a revision that has been compacted away
//   isWatchClosed   ECANCELED  the watch was cancelled (by the caller or by the store closing)
//   isWatchLagged   ENOBUFS the watcher fell behind its buffer and was dropped; re-watch from the
//                           last revision it processed (or re-list when that is compacted)
//   anything else: I/O or transport failures (EIO, ECONNREFUSED, ETIMEDOUT ...) with context.
//
// Threads: every Store method is safe to call from any number of threads at once. Watch
// objects are used by one consumer thread at a time, except cancel(), which any thread may call.
// Destroy every Watch before its Store (SqliteStore tolerates the reverse: its watches end with
// isWatchClosed).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"

namespace orch::store {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  bool operator==(const KeyValue&) const = default;
};

struct ListResult {
  std::vector<KeyValue> items;  // sorted by key
  int64_t revision = 0;         // the revision the list was read at
  bool more = false;            // true when `limit` cut the result; continue from items.back().key
};

struct DeleteResult {
  KeyValue deleted;      // the key-value as it was just before the delete
  int64_t revision = 0;  // the revision of the delete
};

struct Event {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  // PUT: the new key-value. DELETE: key, mod_revision = the delete's revision, empty value.
  KeyValue kv;
  // The key-value before this event, when the store still has it (absent on a create).
  std::optional<KeyValue> prev;
  int64_t revision() const { return kv.mod_revision; }
};

// A pull-style stream of events for one watch.
// Events arrive in strictly increasing revision order, each exactly once, with no gaps among
// the keys under the watched prefix. A terminal error (compacted, lagged, closed, transport)
// is returned once the already-buffered events have been drained; after it, next() keeps
// returning that error. Destroying the Watch cancels it.
class Watch {
 public:
  virtual ~Watch() = default;
  // Waits up to `timeout` for events. Returns the batch of events available (possibly empty
  // when the timeout passes) or the watch's terminal error.
  virtual Result<std::vector<Event>> next(std::chrono::milliseconds timeout) = 0;
  // Ends the watch: a consumer blocked in next() wakes with isWatchClosed. Idempotent and
  // callable from any thread.
  virtual void cancel() = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // The key-value at `revision` (0 = latest). NotFound when absent at that revision.
  virtual Result<KeyValue> get(std::string_view key, int64_t revision = 0) = 0;

  // Keys starting with `prefix` (empty = all keys), sorted, at `revision` (0 = latest).
  // `limit` > 0 caps the number of items; `continue_after` (when non-empty) resumes after
  // that key. A paginated listing passes the first page's `revision` to the next pages.
  virtual Result<ListResult> list(std::string_view prefix, int64_t revision = 0, int64_t limit = 0,
                                  std::string_view continue_after = {}) = 0;

  // Creates `key`; AlreadyExists when it exists. Returns the new key-value.
  virtual Result<KeyValue> create(std::string_view key, std::string_view value) = 0;

  // Replaces the value of an existing key. With expected_mod_revision != 0 the write happens
  // only if the key's mod_revision equals it (Conflict otherwise). NotFound when absent.
  virtual Result<KeyValue> update(std::string_view key, std::string_view value,
                                  int64_t expected_mod_revision) = 0;

  // Deletes an existing key, with the same CAS rule as update. NotFound when absent.
  virtual Result<DeleteResult> remove(std::string_view key, int64_t expected_mod_revision) = 0;

  // Watches keys under `prefix` for events with revision > from_revision (0 = from now: only
  // writes committed after the call). Compacted when the events after from_revision are no
  // longer all available (from_revision + 1 < compacted revision): returned by watch() itself,
  // or, when a compaction races with the call, as the watch's terminal error.
  virtual Result<std::unique_ptr<Watch>> watch(std::string_view prefix, int64_t from_revision) = 0;

  // Discards history before `revision` (see the model above). Invalid for a future revision.
  virtual Status compact(int64_t revision) = 0;

  // The latest committed revision.
  virtual Result<int64_t> currentRevision() = 0;
};

// Status constructors for the store's error categories.
Status conflictError(std::string context);
Status compactedError(std::string context);
Status watchClosedError(std::string context);
Status watchLaggedError(std::string context);

bool isNotFound(const Status& s);
bool isAlreadyExists(const Status& s);
bool isConflict(const Status& s);
bool isCompacted(const Status& s);
bool isWatchClosed(const Status& s);
bool isWatchLagged(const Status& s);

// The smallest key greater than every key starting with `prefix` ("" when no such key exists,
// i.e. the prefix is empty or all 0xff bytes). Used as an exclusive range end.
std::string prefixEnd(std::string_view prefix);

}  // namespace orch::store
