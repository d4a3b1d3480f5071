// SqliteStore: the writer thread (group commit), compaction and the watch fan-out.
#include <algorithm>

#include "controlplane/store/sqlite_store.h"

namespace orch::store {

Result<KeyValue> SqliteStore::create(std::string_view key, std::string_view value) {
  if (key.empty()) return Status::invalid("create: key is empty");
  ORCH_ASSIGN_OR_RETURN(Outcome o, submit(Op::kCreate, key, value, 0));
  return o.kv;
}

Result<KeyValue> SqliteStore::update(std::string_view key, std::string_view value,
                                     int64_t expected_mod_revision) {
  if (key.empty()) return Status::invalid("update: key is empty");
  ORCH_ASSIGN_OR_RETURN(Outcome o, submit(Op::kUpdate, key, value, expected_mod_revision));
  return o.kv;
}

Result<DeleteResult> SqliteStore::remove(std::string_view key, int64_t expected_mod_revision) {
  if (key.empty()) return Status::invalid("remove: key is empty");
  ORCH_ASSIGN_OR_RETURN(Outcome o, submit(Op::kRemove, key, {}, expected_mod_revision));
  return DeleteResult{.deleted = std::move(o.kv), .revision = o.revision};
}

Status SqliteStore::compact(int64_t revision) {
  return submit(Op::kCompact, {}, {}, revision).status();
}

Result<SqliteStore::Outcome> SqliteStore::submit(Op op, std::string_view key,
                                                 std::string_view value, int64_t expected) {
  auto p = std::make_unique<Pending>(Pending{
      .op = op, .key = std::string(key), .value = std::string(value), .expected = expected});
  auto done = p->done.get_future();
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) return Status::error(ESHUTDOWN, "store closed");
    queue_.push_back(std::move(p));
  }
  queue_cv_.notify_one();
  Outcome o = done.get();
  if (!o.status.isOk()) return o.status;
  return o;
}

void SqliteStore::writerLoop() {
  size_t last_batch = 0;
  for (;;) {
    std::vector<std::unique_ptr<Pending>> batch;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) break;  // stopping with nothing left
      // The writers of the last batch were answered a moment ago and are likely about to
      // write again: give them a short window to join, so one fsync covers them all instead
      // of the batches splitting into ever smaller ones. A lone writer never waits.
      if (last_batch > 1 && queue_.size() < last_batch && opts_.commit_gather.count() > 0) {
        queue_cv_.wait_for(lock, opts_.commit_gather,
                           [&] { return stopping_ || queue_.size() >= last_batch; });
      }
      // A compaction runs alone in its own transaction; writes are batched up to max_batch.
      if (queue_.front()->op == Op::kCompact) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } else {
        while (!queue_.empty() && batch.size() < opts_.max_batch &&
               queue_.front()->op != Op::kCompact) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (batch.front()->op == Op::kCompact) {
      Outcome o{.status = applyCompaction(batch.front()->expected)};
      batch.front()->done.set_value(std::move(o));
      continue;
    }

    last_batch = batch.size();
    int64_t next_rev = current_rev_.load() + 1;
    std::vector<Event> events;
    std::vector<Outcome> outcomes;
    outcomes.reserve(batch.size());
    Status st = wdb_->exec("BEGIN IMMEDIATE");
    if (st.isOk()) {
      for (auto& p : batch) {
        auto o = apply(*p, next_rev, events);
        if (!o.ok()) {
          st = o.status();
          break;
        }
        outcomes.push_back(std::move(o).value());
      }
    }
    if (st.isOk()) st = wdb_->exec("COMMIT");
    if (!st.isOk()) {
      // The whole transaction is gone: every write of the batch fails with the cause.
      (void)wdb_->exec("ROLLBACK");
      for (auto& p : batch) p->done.set_value(Outcome{.status = st.withContext("commit")});
      continue;
    }
    current_rev_ = next_rev - 1;
    publish(std::move(events));
    for (size_t i = 0; i < batch.size(); ++i) batch[i]->done.set_value(std::move(outcomes[i]));
  }
  // Stopping: nothing queued remains (the loop only exits on an empty queue).
}

Result<SqliteStore::Outcome> SqliteStore::apply(Pending& p, int64_t& next_rev,
                                                std::vector<Event>& events) {
  // Reads inside the open transaction see the batch's earlier writes.
  w_latest_.reset().bindBlob(1, p.key);
  ORCH_ASSIGN_OR_RETURN(bool found, w_latest_.step());
  std::optional<KeyValue> cur;
  if (found && w_latest_.int64(4) == 0) {
    cur = KeyValue{.key = p.key,
                   .value = w_latest_.blob(1),
                   .create_revision = w_latest_.int64(2),
                   .mod_revision = w_latest_.int64(0),
                   .version = w_latest_.int64(3)};
  }
  w_latest_.reset();

  switch (p.op) {
    case Op::kCreate:
      if (cur) return Outcome{.status = Status::exists("create " + p.key)};
      break;
    case Op::kUpdate:
    case Op::kRemove: {
      const char* verb = p.op == Op::kUpdate ? "update " : "delete ";
      if (!cur) return Outcome{.status = Status::notFound(verb + p.key)};
      if (p.expected != 0 && p.expected != cur->mod_revision) {
        return Outcome{.status = conflictError(verb + p.key + ": expected mod_revision " +
                                               std::to_string(p.expected) + ", have " +
                                               std::to_string(cur->mod_revision))};
      }
      break;
    }
    case Op::kCompact:
      std::abort();  // compactions never enter a write batch
  }

  int64_t rev = next_rev;
  Event e;
  Outcome o{.revision = rev};
  if (p.op == Op::kRemove) {
    e.type = Event::Type::kDelete;
    e.kv = KeyValue{.key = p.key, .mod_revision = rev};
    o.kv = *cur;
  } else {
    e.type = Event::Type::kPut;
    e.kv = KeyValue{.key = p.key,
                    .value = std::move(p.value),
                    .create_revision = cur ? cur->create_revision : rev,
                    .mod_revision = rev,
                    .version = cur ? cur->version + 1 : 1};
    o.kv = e.kv;
  }
  w_insert_.reset()
      .bind(1, rev)
      .bindBlob(2, p.key)
      .bindBlob(3, e.kv.value)
      .bind(4, p.op == Op::kRemove ? cur->create_revision : e.kv.create_revision)
      .bind(5, cur ? cur->mod_revision : 0)
      .bind(6, e.kv.version)
      .bind(7, p.op == Op::kRemove ? 1 : 0);
  Status st = w_insert_.exec();
  w_insert_.reset();
  if (!st.isOk()) return st.withContext("insert revision " + std::to_string(rev));
  ++next_rev;
  e.prev = std::move(cur);
  events.push_back(std::move(e));
  return o;
}

Status SqliteStore::applyCompaction(int64_t revision) {
  int64_t prev = compacted_rev_.load();
  if (revision <= prev) return Status::ok();
  if (revision > current_rev_.load()) {
    return Status::invalid("compact: revision " + std::to_string(revision) +
                           " is in the future (current " + std::to_string(current_rev_.load()) +
                           ")");
  }
  // Published before the rows go, so a reader that checks after reading never returns a view
  // that lost rows to this compaction.
  compacted_rev_ = revision;
  Status st = wdb_->exec("BEGIN IMMEDIATE");
  if (st.isOk()) st = w_set_meta_.reset().bindBlob(1, "compacted").bind(2, revision).exec();
  if (st.isOk()) st = w_del_prev_.reset().bind(1, prev).bind(2, revision).exec();
  if (st.isOk()) st = w_del_tombstones_.reset().bind(1, prev).bind(2, revision).exec();
  w_set_meta_.reset();
  w_del_prev_.reset();
  w_del_tombstones_.reset();
  if (st.isOk()) st = wdb_->exec("COMMIT");
  if (!st.isOk()) {
    (void)wdb_->exec("ROLLBACK");
    compacted_rev_ = prev;
    return st.withContext("compact to " + std::to_string(revision));
  }
  return Status::ok();
}

void SqliteStore::publish(std::vector<Event> events) {
  std::lock_guard lock(hub_mu_);
  if (!events.empty()) published_rev_ = events.back().revision();
  std::erase_if(subs_, [&](Subscriber& s) {
    if (s.channel->ended()) return true;
    std::vector<Event> mine;
    for (const auto& e : events) {
      if (e.revision() > s.after && e.kv.key.starts_with(s.prefix)) mine.push_back(e);
    }
    if (mine.empty()) return false;
    return !s.channel->push(std::move(mine));
  });
}

Result<int64_t> SqliteStore::runCompactorOnce() {
  auto now = clock_->now();
  int64_t cur = current_rev_.load();
  int64_t by_time = 0;
  {
    std::lock_guard lock(compactor_mu_);
    samples_.emplace_back(now, cur);
    // Keep the newest sample at least keep_window old, and everything after it.
    auto cutoff = now - opts_.keep_window;
    while (samples_.size() >= 2 && samples_[1].first <= cutoff) samples_.pop_front();
    if (samples_.front().first <= cutoff) by_time = samples_.front().second;
  }
  int64_t by_count = cur - opts_.keep_revisions;
  // Whichever keeps more history wins.
  int64_t target = std::min(by_time, by_count);
  if (target > compacted_rev_.load()) ORCH_RETURN_IF_ERROR(compact(target));
  return compacted_rev_.load();
}

void SqliteStore::compactorLoop() {
  std::unique_lock lock(compactor_mu_);
  while (!compactor_stop_) {
    auto deadline = clock_->now() + opts_.compaction_interval;
    if (clock_->waitUntil(compactor_cv_, lock, deadline, [&] { return compactor_stop_; })) break;
    lock.unlock();
    // A failed pass is retried at the next interval; the store stays correct without it.
    (void)runCompactorOnce();
    lock.lock();
  }
}

}  // namespace orch::store
