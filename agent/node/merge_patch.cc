#include "agent/node/merge_patch.h"

namespace orch::agent {

api::Json createMergePatch(const api::Json& from, const api::Json& to) {
  api::Json patch = api::Json::object();
  if (!from.is_object() || !to.is_object()) return to;
  for (auto it = from.begin(); it != from.end(); ++it) {
    if (!to.contains(it.key())) patch[it.key()] = nullptr;
  }
  for (auto it = to.begin(); it != to.end(); ++it) {
    auto old = from.find(it.key());
    if (old == from.end()) {
      patch[it.key()] = *it;
    } else if (*old != *it) {
      if (old->is_object() && it->is_object()) {
        patch[it.key()] = createMergePatch(*old, *it);
      } else {
        patch[it.key()] = *it;
      }
    }
  }
  return patch;
}

}  // namespace orch::agent
