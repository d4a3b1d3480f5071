// SqliteStore: opening, reads and watch registration. The writer thread, compaction and the
// watch fan-out are in sqlite_writer.cc.
#include "controlplane/store/sqlite_store.h"

#include <algorithm>

namespace orch::store {

using sqlite::Db;
using sqlite::Stmt;

namespace {

// One row per write. The (key, revision) index serves "latest row of a key at or before R"
// (get, CAS lookups) and, scanned in key order, "latest row of every key under a prefix at R"
// (list); revision is the rowid, so "writes after R" (watch replay) is a rowid range scan.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS kv (
  revision INTEGER PRIMARY KEY,
  key BLOB NOT NULL,
  value BLOB NOT NULL,
  create_revision INTEGER NOT NULL,
  prev_revision INTEGER NOT NULL,
  version INTEGER NOT NULL,
  deleted INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS kv_key_revision ON kv(key, revision);
CREATE TABLE IF NOT EXISTS meta (name BLOB PRIMARY KEY, value INTEGER NOT NULL);
)sql";

constexpr const char* kGetAt =
    "SELECT revision, value, create_revision, version, deleted FROM kv "
    "WHERE key = ?1 AND revision <= ?2 ORDER BY revision DESC LIMIT 1";

// The bare columns of a query with a single max() come from the row holding the maximum
// (documented SQLite behaviour), so the inner query yields the latest row of each key at ?3.
constexpr const char* kListBounded =
    "SELECT key, value, create_revision, revision, version FROM ("
    " SELECT key, value, create_revision, revision, version, deleted, max(revision)"
    " FROM kv WHERE key >= ?1 AND key < ?2 AND revision <= ?3 GROUP BY key)"
    " WHERE deleted = 0 ORDER BY key LIMIT ?4";
constexpr const char* kListUnbounded =
    "SELECT key, value, create_revision, revision, version FROM ("
    " SELECT key, value, create_revision, revision, version, deleted, max(revision)"
    " FROM kv WHERE key >= ?1 AND revision <= ?3 GROUP BY key)"
    " WHERE deleted = 0 ORDER BY key LIMIT ?4";

constexpr const char* kEventsBounded =
    "SELECT k.revision, k.key, k.value, k.create_revision, k.version, k.deleted,"
    " p.revision, p.value, p.create_revision, p.version"
    " FROM kv k LEFT JOIN kv p ON p.revision = k.prev_revision"
    " WHERE k.revision > ?1 AND k.revision <= ?2 AND k.key >= ?3 AND k.key < ?4"
    " ORDER BY k.revision";
constexpr const char* kEventsUnbounded =
    "SELECT k.revision, k.key, k.value, k.create_revision, k.version, k.deleted,"
    " p.revision, p.value, p.create_revision, p.version"
    " FROM kv k LEFT JOIN kv p ON p.revision = k.prev_revision"
    " WHERE k.revision > ?1 AND k.revision <= ?2 AND k.key >= ?3"
    " ORDER BY k.revision";

// A Watch over a channel fed by the store's fan-out; the fan-out drops ended channels.
class SqliteWatch final : public Watch {
 public:
  explicit SqliteWatch(std::shared_ptr<WatchChannel> ch) : ch_(std::move(ch)) {}
  ~SqliteWatch() override { ch_->cancel(); }
  Result<std::vector<Event>> next(std::chrono::milliseconds timeout) override {
    return ch_->next(timeout);
  }
  void cancel() override { ch_->cancel(); }

 private:
  std::shared_ptr<WatchChannel> ch_;
};

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(Options options) {
  if (options.path.empty()) return Status::invalid("sqlite store: path is empty");
  if (options.max_batch == 0) return Status::invalid("sqlite store: max_batch must be > 0");
  std::unique_ptr<SqliteStore> s(new SqliteStore(std::move(options)));
  ORCH_RETURN_IF_ERROR(s->init().withContext("open sqlite store " + s->opts_.path));
  return s;
}

Status SqliteStore::init() {
  clock_ = opts_.clock != nullptr ? opts_.clock : &realClock();
  ORCH_ASSIGN_OR_RETURN(Db db, Db::open(opts_.path));
  wdb_ = std::make_unique<Db>(std::move(db));
  // FULL fsyncs the WAL on every commit: with group commit that is one fsync per batch, and it
  // makes an acknowledged write survive power loss, not only a process crash (NORMAL would).
  std::string sync = opts_.sync == Sync::kFull ? "FULL" : "NORMAL";
  ORCH_RETURN_IF_ERROR(
      wdb_->exec("PRAGMA busy_timeout=10000; PRAGMA journal_mode=WAL; "
                 "PRAGMA synchronous=" +
                 sync + ";"));
  ORCH_RETURN_IF_ERROR(wdb_->exec(kSchema));
  ORCH_ASSIGN_OR_RETURN(w_latest_, wdb_->prepare("SELECT revision, value, create_revision, "
                                                 "version, deleted FROM kv WHERE key = ?1 "
                                                 "ORDER BY revision DESC LIMIT 1"));
  ORCH_ASSIGN_OR_RETURN(w_insert_,
                        wdb_->prepare("INSERT INTO kv(revision, key, value, create_revision, "
                                      "prev_revision, version, deleted) "
                                      "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  ORCH_ASSIGN_OR_RETURN(w_set_meta_, wdb_->prepare("INSERT INTO meta(name, value) VALUES(?1, ?2) "
                                                   "ON CONFLICT(name) DO UPDATE SET "
                                                   "value = excluded.value"));
  // Compaction to C after an earlier compaction to P: every row written in (P, C] supersedes its
  // prev row, and tombstones in [P, C) are no longer needed to answer reads at >= C.
  ORCH_ASSIGN_OR_RETURN(w_del_prev_,
                        wdb_->prepare("DELETE FROM kv WHERE revision IN (SELECT prev_revision "
                                      "FROM kv WHERE revision > ?1 AND revision <= ?2 AND "
                                      "prev_revision > 0)"));
  ORCH_ASSIGN_OR_RETURN(w_del_tombstones_,
                        wdb_->prepare("DELETE FROM kv WHERE revision >= ?1 AND revision < ?2 "
                                      "AND deleted = 1"));

  ORCH_ASSIGN_OR_RETURN(Stmt q, wdb_->prepare("SELECT coalesce(max(revision), 0) FROM kv"));
  ORCH_RETURN_IF_ERROR(q.step().status());
  int64_t max_rev = q.int64(0);
  ORCH_ASSIGN_OR_RETURN(Stmt m, wdb_->prepare("SELECT value FROM meta WHERE name = ?1"));
  m.bindBlob(1, "compacted");
  ORCH_ASSIGN_OR_RETURN(bool has, m.step());
  int64_t compacted = has ? m.int64(0) : 0;
  current_rev_ = std::max(max_rev, compacted);
  compacted_rev_ = compacted;
  published_rev_ = current_rev_;

  writer_ = std::thread([this] { writerLoop(); });
  if (opts_.compaction_interval.count() > 0) compactor_ = std::thread([this] { compactorLoop(); });
  return Status::ok();
}

SqliteStore::~SqliteStore() {
  {
    std::lock_guard lock(compactor_mu_);
    compactor_stop_ = true;
  }
  compactor_cv_.notify_all();
  if (compactor_.joinable()) compactor_.join();
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  std::lock_guard lock(hub_mu_);
  for (auto& s : subs_) s.channel->fail(watchClosedError("store closed"));
  subs_.clear();
}

std::unique_ptr<SqliteStore::Reader> SqliteStore::acquireReader(Status& error) {
  {
    std::lock_guard lock(readers_mu_);
    if (!readers_.empty()) {
      auto r = std::move(readers_.back());
      readers_.pop_back();
      return r;
    }
  }
  auto make = [&]() -> Result<std::unique_ptr<Reader>> {
    ORCH_ASSIGN_OR_RETURN(Db db, Db::open(opts_.path));
    ORCH_RETURN_IF_ERROR(
        db.exec("PRAGMA busy_timeout=10000; PRAGMA query_only=1; PRAGMA cache_size=-1024;"));
    auto r = std::make_unique<Reader>(Reader{.db = std::move(db)});
    ORCH_ASSIGN_OR_RETURN(r->get_at, r->db.prepare(kGetAt));
    ORCH_ASSIGN_OR_RETURN(r->list_bounded, r->db.prepare(kListBounded));
    ORCH_ASSIGN_OR_RETURN(r->list_unbounded, r->db.prepare(kListUnbounded));
    ORCH_ASSIGN_OR_RETURN(r->events_bounded, r->db.prepare(kEventsBounded));
    ORCH_ASSIGN_OR_RETURN(r->events_unbounded, r->db.prepare(kEventsUnbounded));
    return r;
  };
  auto r = make();
  if (!r.ok()) {
    error = r.status().withContext("open sqlite read connection");
    return nullptr;
  }
  return std::move(r).value();
}

void SqliteStore::releaseReader(std::unique_ptr<Reader> r) {
  // A burst of concurrent readers opens extra connections; keep only a few idle ones, since
  // each holds its own page cache.
  constexpr size_t kMaxIdleReaders = 8;
  std::lock_guard lock(readers_mu_);
  if (readers_.size() < kMaxIdleReaders) readers_.push_back(std::move(r));
}

Status SqliteStore::checkReadable(int64_t revision) const {
  if (revision < compacted_rev_.load()) {
    return compactedError("revision " + std::to_string(revision) + " is compacted (compacted to " +
                          std::to_string(compacted_rev_.load()) + ")");
  }
  return Status::ok();
}

Result<KeyValue> SqliteStore::get(std::string_view key, int64_t revision) {
  int64_t cur = current_rev_.load();
  if (revision > cur) {
    return Status::invalid("get " + std::string(key) + ": revision " + std::to_string(revision) +
                           " is in the future");
  }
  int64_t at = revision > 0 ? revision : cur;
  if (revision > 0) ORCH_RETURN_IF_ERROR(checkReadable(revision));
  Status err;
  auto r = acquireReader(err);
  if (!r) return err;
  Stmt& q = r->get_at;
  q.reset().bindBlob(1, key).bind(2, at);
  auto row = q.step();
  Result<KeyValue> out = Status::notFound("key " + std::string(key));
  if (!row.ok()) {
    out = row.status().withContext("get " + std::string(key));
  } else if (*row && q.int64(4) == 0) {
    out = KeyValue{.key = std::string(key),
                   .value = q.blob(1),
                   .create_revision = q.int64(2),
                   .mod_revision = q.int64(0),
                   .version = q.int64(3)};
  }
  q.reset();
  releaseReader(std::move(r));
  // A compaction that committed while we read may have removed rows of revision `at`.
  if (revision > 0) ORCH_RETURN_IF_ERROR(checkReadable(revision));
  return out;
}

Result<ListResult> SqliteStore::list(std::string_view prefix, int64_t revision, int64_t limit,
                                     std::string_view continue_after) {
  int64_t cur = current_rev_.load();
  if (revision > cur) {
    return Status::invalid("list " + std::string(prefix) + ": revision " +
                           std::to_string(revision) + " is in the future");
  }
  if (limit < 0) return Status::invalid("list: limit must be >= 0");
  ListResult out;
  out.revision = revision > 0 ? revision : cur;
  if (revision > 0) ORCH_RETURN_IF_ERROR(checkReadable(revision));
  std::string start(prefix);
  if (!continue_after.empty()) {
    std::string after = std::string(continue_after) + '\0';
    if (after > start) start = std::move(after);
  }
  std::string end = prefixEnd(prefix);
  Status err;
  auto r = acquireReader(err);
  if (!r) return err;
  Stmt& q = end.empty() ? r->list_unbounded : r->list_bounded;
  q.reset().bindBlob(1, start).bind(3, out.revision).bind(4, limit > 0 ? limit + 1 : -1);
  if (!end.empty()) q.bindBlob(2, end);
  Status st;
  for (;;) {
    auto row = q.step();
    if (!row.ok()) {
      st = row.status().withContext("list " + std::string(prefix));
      break;
    }
    if (!*row) break;
    if (limit > 0 && static_cast<int64_t>(out.items.size()) == limit) {
      out.more = true;
      break;
    }
    out.items.push_back(KeyValue{.key = q.blob(0),
                                 .value = q.blob(1),
                                 .create_revision = q.int64(2),
                                 .mod_revision = q.int64(3),
                                 .version = q.int64(4)});
  }
  q.reset();
  releaseReader(std::move(r));
  ORCH_RETURN_IF_ERROR(st);
  ORCH_RETURN_IF_ERROR(checkReadable(out.revision));
  return out;
}

Result<std::vector<Event>> SqliteStore::readEvents(Reader& r, std::string_view prefix,
                                                   int64_t after, int64_t upto) {
  std::string end = prefixEnd(prefix);
  Stmt& q = end.empty() ? r.events_unbounded : r.events_bounded;
  q.reset().bind(1, after).bind(2, upto).bindBlob(3, prefix);
  if (!end.empty()) q.bindBlob(4, end);
  std::vector<Event> events;
  for (;;) {
    auto row = q.step();
    if (!row.ok()) {
      q.reset();
      return row.status().withContext("read watch history");
    }
    if (!*row) break;
    Event e;
    bool deleted = q.int64(5) != 0;
    e.type = deleted ? Event::Type::kDelete : Event::Type::kPut;
    e.kv.key = q.blob(1);
    e.kv.mod_revision = q.int64(0);
    if (!deleted) {
      e.kv.value = q.blob(2);
      e.kv.create_revision = q.int64(3);
      e.kv.version = q.int64(4);
    }
    if (!q.isNull(6)) {
      e.prev = KeyValue{.key = e.kv.key,
                        .value = q.blob(7),
                        .create_revision = q.int64(8),
                        .mod_revision = q.int64(6),
                        .version = q.int64(9)};
    }
    events.push_back(std::move(e));
  }
  q.reset();
  return events;
}

Result<std::unique_ptr<Watch>> SqliteStore::watch(std::string_view prefix, int64_t from_revision) {
  if (from_revision < 0) return Status::invalid("watch: from_revision must be >= 0");
  auto ch = std::make_shared<WatchChannel>(opts_.watch_buffer);
  // Holding hub_mu_ keeps the writer from publishing while we replay: the replay covers
  // (from, published_rev_] and the subscription everything after, so nothing is missed or
  // delivered twice.
  std::lock_guard lock(hub_mu_);
  int64_t after = from_revision > 0 ? from_revision : published_rev_;
  auto compacted = [&] {
    return after + 1 < compacted_rev_.load()
               ? compactedError("watch from revision " + std::to_string(after) + ": compacted to " +
                                std::to_string(compacted_rev_.load()))
               : Status::ok();
  };
  ORCH_RETURN_IF_ERROR(compacted());
  if (after < published_rev_) {
    Status err;
    auto r = acquireReader(err);
    if (!r) return err;
    auto events = readEvents(*r, prefix, after, published_rev_);
    releaseReader(std::move(r));
    if (!events.ok()) return events.status();
    ORCH_RETURN_IF_ERROR(compacted());
    ch->push(std::move(events).value(), /*force=*/true);
  }
  subs_.push_back(Subscriber{
      .prefix = std::string(prefix), .after = std::max(after, published_rev_), .channel = ch});
  return std::unique_ptr<Watch>(std::make_unique<SqliteWatch>(ch));
}

}  // namespace orch::store
