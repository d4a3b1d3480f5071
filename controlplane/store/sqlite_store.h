#pragma once
// SqliteStore: the embedded Store backend. One SQLite database in WAL mode holds an MVCC log:
// one row per write (revision, key, value, create_revision, prev_revision, version, deleted).
//
// Writes: callers enqueue; a single writer thread takes everything queued (group commit),
// applies each write's compare-and-swap inside one transaction, commits, and only then answers
// each caller with its own result (a failed CAS fails only its own write). With
// Sync::kFull (the default) a commit returns after the WAL is fsynced, so an acknowledged write
// survives a process kill and a power loss; Sync::kNormal survives a process kill (the WAL
// bytes are in the kernel's page cache) but not a power loss or kernel crash.
//
// Watches: the writer thread fans the committed events out, in revision order, to every watcher
// (in process). A watch from a past revision first replays the log, then continues live without
// a gap. A watcher whose buffer (Options::watch_buffer events) overflows is ended with
// isWatchLagged: it re-watches from the last revision it processed.
//
// Compaction: compact(C) runs on the writer thread. A background compactor (when
// compaction_interval > 0) compacts to whichever keeps more history: the revision current
// `keep_window` ago, or current - keep_revisions. The latest live row of each key is always kept.
//
// Threads: all Store methods are thread-safe. Reads run on pooled read connections, concurrently
// with the writer. Destroying the store fails queued writes and ends watches with isWatchClosed.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

#include "common/base/clock.h"
#include "controlplane/store/sqlite_db.h"
#include "controlplane/store/store.h"
#include "controlplane/store/watch_channel.h"

namespace orch::store {

class SqliteStore final : public Store {
 public:
  enum class Sync { kFull, kNormal };
  struct Options {
    std::string path;  // the database file (created when missing; its directory must exist)
    Sync sync = Sync::kFull;
    std::chrono::milliseconds compaction_interval = std::chrono::seconds(30);  // 0 = off
    std::chrono::milliseconds keep_window = std::chrono::minutes(5);
    int64_t keep_revisions = 10000;
    size_t watch_buffer = 10000;  // events a watcher may have pending before it is dropped
    size_t max_batch = 1000;      // writes per group-commit transaction
    // How long the writer waits for the previous batch's writers to come back before
    // committing a smaller batch (0 = never wait).
    std::chrono::microseconds commit_gather = std::chrono::milliseconds(1);
    Clock* clock = nullptr;  // nullptr = realClock(); drives the compactor's window
  };

  static Result<std::unique_ptr<SqliteStore>> open(Options options);
  ~SqliteStore() override;

  Result<KeyValue> get(std::string_view key, int64_t revision = 0) override;
  Result<ListResult> list(std::string_view prefix, int64_t revision = 0, int64_t limit = 0,
                          std::string_view continue_after = {}) override;
  Result<KeyValue> create(std::string_view key, std::string_view value) override;
  Result<KeyValue> update(std::string_view key, std::string_view value,
                          int64_t expected_mod_revision) override;
  Result<DeleteResult> remove(std::string_view key, int64_t expected_mod_revision) override;
  Result<std::unique_ptr<Watch>> watch(std::string_view prefix, int64_t from_revision) override;
  Status compact(int64_t revision) override;
  Result<int64_t> currentRevision() override { return current_rev_.load(); }

  // One compactor pass, as the background compactor runs it (it samples the current revision,
  // then compacts by the window). Returns the compacted revision afterwards.
  Result<int64_t> runCompactorOnce();
  int64_t compactedRevision() const { return compacted_rev_.load(); }

 private:
  enum class Op { kCreate, kUpdate, kRemove, kCompact };
  struct Outcome {
    Status status;
    KeyValue kv;  // create/update: the new kv; remove: the deleted kv
    int64_t revision = 0;
  };
  struct Pending {
    Op op;
    std::string key, value;
    int64_t expected = 0;  // CAS revision; for kCompact the target revision
    std::promise<Outcome> done;
  };
  // A read connection with its prepared statements; used by one thread at a time.
  struct Reader {
    sqlite::Db db;
    sqlite::Stmt get_at, list_bounded, list_unbounded, events_bounded, events_unbounded;
  };
  struct Subscriber {
    std::string prefix;
    int64_t after = 0;  // deliver only events with a greater revision
    std::shared_ptr<WatchChannel> channel;
  };

  explicit SqliteStore(Options options) : opts_(std::move(options)) {}
  Status init();
  Result<Outcome> submit(Op op, std::string_view key, std::string_view value, int64_t expected);
  void writerLoop();
  // Applies one write inside the open transaction and appends its event. A failed CAS is an
  // Outcome with an error status; an error Result is an I/O failure that dooms the batch.
  Result<Outcome> apply(Pending& p, int64_t& next_rev, std::vector<Event>& events);
  Status applyCompaction(int64_t revision);
  void publish(std::vector<Event> events);
  void compactorLoop();

  std::unique_ptr<Reader> acquireReader(Status& error);
  void releaseReader(std::unique_ptr<Reader> r);
  Result<std::vector<Event>> readEvents(Reader& r, std::string_view prefix, int64_t after,
                                        int64_t upto);
  Status checkReadable(int64_t revision) const;

  Options opts_;
  Clock* clock_ = nullptr;

  // Writer state: the connection and statements are used only by the writer thread.
  std::unique_ptr<sqlite::Db> wdb_;
  sqlite::Stmt w_latest_, w_insert_, w_set_meta_, w_del_prev_, w_del_tombstones_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<std::unique_ptr<Pending>> queue_;
  bool stopping_ = false;
  std::thread writer_;

  std::atomic<int64_t> current_rev_{0};
  std::atomic<int64_t> compacted_rev_{0};

  std::mutex readers_mu_;
  std::vector<std::unique_ptr<Reader>> readers_;

  // Watch fan-out. hub_mu_ orders publication against watch registration.
  std::mutex hub_mu_;
  std::vector<Subscriber> subs_;
  int64_t published_rev_ = 0;

  // Background compactor: (time, revision) samples to find the revision `keep_window` ago.
  std::mutex compactor_mu_;
  std::condition_variable compactor_cv_;
  std::deque<std::pair<Clock::TimePoint, int64_t>> samples_;
  bool compactor_stop_ = false;
  std::thread compactor_;
};

}  // namespace orch::store
