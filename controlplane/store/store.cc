#include "controlplane/store/store.h"

namespace orch::store {

// The errno values behind each category are part of the header's contract; callers use the
// predicates, so the values only need to be distinct from each other and from I/O failures.
namespace {
constexpr int kConflict = ESTALE;
constexpr int kCompacted = ERANGE;
constexpr int kWatchClosed = ECANCELED;
constexpr int kWatchLagged = ENOBUFS;
}  // namespace

Status conflictError(std::string context) {
  return Status::error(kConflict, std::move(context));
}
Status compactedError(std::string context) {
  return Status::error(kCompacted, std::move(context));
}
Status watchClosedError(std::string context) {
  return Status::error(kWatchClosed, std::move(context));
}
Status watchLaggedError(std::string context) {
  return Status::error(kWatchLagged, std::move(context));
}

bool isNotFound(const Status& s) {
  return s.code() == ENOENT;
}
bool isAlreadyExists(const Status& s) {
  return s.code() == EEXIST;
}
bool isConflict(const Status& s) {
  return s.code() == kConflict;
}
bool isCompacted(const Status& s) {
  return s.code() == kCompacted;
}
bool isWatchClosed(const Status& s) {
  return s.code() == kWatchClosed;
}
bool isWatchLagged(const Status& s) {
  return s.code() == kWatchLagged;
}

std::string prefixEnd(std::string_view prefix) {
  std::string end(prefix);
  // Increment the last byte that is not 0xff and drop everything after it ("a\xff" -> "b").
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace orch::store
