#pragma once
// Identifiers of sandboxes and containers: 64 lowercase hex digits from the kernel's
// random source (as containerd makes them), and lookup by a unique prefix, as crictl
// users expect ("crictl inspect 3f2a").

#include <map>
#include <optional>
#include <string>

#include "common/base/status.h"

namespace orch::shim {

std::string newObjectId();

// The id in `objects` equal to `prefix` or uniquely starting with it. ENOENT when none
// matches (or `prefix` is empty), EINVAL when several do.
template <class V>
Result<std::string> resolveId(const std::map<std::string, V>& objects, const std::string& prefix,
                              const char* kind) {
  if (prefix.empty()) return Status::invalid(std::string(kind) + " id is empty");
  auto it = objects.lower_bound(prefix);
  if (it == objects.end() || it->first.compare(0, prefix.size(), prefix) != 0)
    return Status::notFound(std::string(kind) + " \"" + prefix + "\" not found");
  if (it->first.size() == prefix.size()) return it->first;
  auto next = std::next(it);
  if (next != objects.end() && next->first.compare(0, prefix.size(), prefix) == 0)
    return Status::invalid(std::string(kind) + " id prefix \"" + prefix + "\" is ambiguous");
  return it->first;
}

}  // namespace orch::shim
