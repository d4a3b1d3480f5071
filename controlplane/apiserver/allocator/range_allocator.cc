#include "controlplane/apiserver/allocator/range_allocator.h"

#include <chrono>
#include <thread>

#include "common/api/json_io.h"

namespace orch::apiserver {

namespace {

// Conflicts come from other apiservers (this instance serializes its own calls), so a few
// retries with a short random pause always get through in practice.
constexpr int kMaxAttempts = 64;

}  // namespace

RangeAllocator::RangeAllocator(store::Store& store, std::string key, std::string range_description,
                               uint64_t size, uint64_t dynamic_offset)
    : store_(store),
      key_(std::move(key)),
      range_(std::move(range_description)),
      size_(size),
      offset_(dynamic_offset < size ? dynamic_offset : 0),
      rng_(std::random_device{}()) {}

std::string RangeAllocator::encode(const AllocationBitmap& bm) const {
  api::Json j = {{"kind", "RangeAllocation"},
                 {"apiVersion", "v1"},
                 {"metadata", api::Json::object()},
                 {"range", range_},
                 {"data", api::base64Encode(bm.toBytes())}};
  return j.dump();
}

Result<RangeAllocator::Snapshot> RangeAllocator::read() {
  Snapshot s{.bitmap = AllocationBitmap(size_)};
  auto kv = store_.get(key_);
  if (!kv.ok()) {
    if (store::isNotFound(kv.status())) return s;
    return kv.status().withContext("read " + key_);
  }
  s.mod_revision = kv->mod_revision;
  // Decoding stored bytes: nlohmann throws on malformed input; keep it inside this module.
  std::string range, data;
  try {
    auto j = api::Json::parse(kv->value);
    range = j.at("range").get<std::string>();
    data = j.value("data", std::string());
  } catch (const std::exception& e) {
    s.corrupt = Status::error(EIO, "decode " + key_ + ": " + e.what());
    return s;
  }
  auto bytes = api::base64Decode(data);
  if (!bytes.ok()) {
    s.corrupt = Status::error(EIO, "decode " + key_ + ": data: " + bytes.status().context());
    return s;
  }
  s.bitmap = AllocationBitmap::fromBytes(*bytes, size_);
  s.stored_range = range;
  s.range_matches = range == range_;
  return s;
}

Status RangeAllocator::mismatch(const Snapshot& s) const {
  return Status::invalid("the provided range (" + range_ + ") does not match the current range (" +
                         s.stored_range + ") in " + key_);
}

Status RangeAllocator::unusable(const Snapshot& s) const {
  if (!s.corrupt.isOk()) return s.corrupt;
  if (!s.range_matches) return mismatch(s);
  return Status::ok();
}

Status RangeAllocator::modify(const std::function<Result<bool>(AllocationBitmap&)>& mutate,
                              bool repair) {
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    ORCH_ASSIGN_OR_RETURN(auto snap, read());
    Status bad = unusable(snap);
    if (!bad.isOk() && !repair) return bad;
    ORCH_ASSIGN_OR_RETURN(bool write, mutate(snap.bitmap));
    // A value stored for another range (or undecodable) is rewritten even when the bits agree.
    if (!write && bad.isOk()) return Status::ok();
    std::string value = encode(snap.bitmap);
    Status st = snap.mod_revision == 0 ? store_.create(key_, value).status()
                                       : store_.update(key_, value, snap.mod_revision).status();
    if (st.isOk()) return st;
    // Someone else wrote (or created, or deleted) the key since our read: read again.
    if (!store::isConflict(st) && !store::isAlreadyExists(st) && !store::isNotFound(st)) {
      return st.withContext("write " + key_);
    }
    std::uniform_int_distribution<int> pause(0, 200 * std::min(attempt + 1, 10));
    std::this_thread::sleep_for(std::chrono::microseconds(pause(rng_)));
  }
  return Status::error(EAGAIN, "write " + key_ + ": still conflicting after " +
                                   std::to_string(kMaxAttempts) + " attempts");
}

Result<uint64_t> RangeAllocator::allocateNext() {
  std::lock_guard lock(mu_);
  uint64_t got = 0;
  Status st = modify([&](AllocationBitmap& bm) -> Result<bool> {
    if (size_ == 0) return Status::error(ENOSPC, "range is full");
    std::uniform_int_distribution<uint64_t> start(0, size_ - 1);
    uint64_t from = start(rng_);
    auto free = bm.firstClearIn(offset_, size_, from);
    if (!free) free = bm.firstClearIn(0, offset_, from);
    if (!free) return Status::error(ENOSPC, "range is full");
    bm.set(*free);
    got = *free;
    return true;
  });
  if (!st.isOk()) return st;
  return got;
}

Status RangeAllocator::allocate(uint64_t offset) {
  if (offset >= size_) {
    return Status::error(ERANGE, "offset " + std::to_string(offset) + " is outside the range of " +
                                     std::to_string(size_));
  }
  std::lock_guard lock(mu_);
  return modify([&](AllocationBitmap& bm) -> Result<bool> {
    if (!bm.set(offset)) return Status::exists("already allocated");
    return true;
  });
}

Status RangeAllocator::release(uint64_t offset) {
  if (offset >= size_) return Status::ok();
  std::lock_guard lock(mu_);
  return modify([&](AllocationBitmap& bm) -> Result<bool> { return bm.clear(offset); });
}

Result<bool> RangeAllocator::has(uint64_t offset) {
  if (offset >= size_) return false;
  std::lock_guard lock(mu_);
  ORCH_ASSIGN_OR_RETURN(auto snap, read());
  ORCH_RETURN_IF_ERROR(unusable(snap));
  return snap.bitmap.test(offset);
}

Result<uint64_t> RangeAllocator::used() {
  std::lock_guard lock(mu_);
  ORCH_ASSIGN_OR_RETURN(auto snap, read());
  ORCH_RETURN_IF_ERROR(unusable(snap));
  return snap.bitmap.count();
}

Status RangeAllocator::reconcile(const std::vector<uint64_t>& in_use) {
  AllocationBitmap want(size_);
  for (uint64_t o : in_use) {
    if (o >= size_) {
      return Status::error(ERANGE, "reconcile " + key_ + ": offset " + std::to_string(o) +
                                       " is outside the range of " + std::to_string(size_));
    }
    want.set(o);
  }
  std::lock_guard lock(mu_);
  std::string want_bytes = want.toBytes();
  return modify(
      [&](AllocationBitmap& bm) -> Result<bool> {
        bool same = bm.toBytes() == want_bytes;
        bm = want;
        return !same;
      },
      /*repair=*/true);
}

}  // namespace orch::apiserver
