#include "controlplane/apiserver/registry/kind_codecs.h"

#include <functional>
#include <map>
#include <utility>

#include "common/api/apps.h"
#include "common/api/codec.h"
#include "common/api/config.h"
#include "common/api/discovery.h"
#include "common/api/event.h"
#include "common/api/lease.h"
#include "common/api/node.h"
#include "common/api/pod.h"
#include "common/api/policy.h"
#include "common/api/rbac.h"
#include "common/api/service.h"

namespace orch::apiserver {

namespace {

using Checker = std::function<DecodeCheck(const api::Json&)>;

// Strict decoding stops at the first unknown field; to report all of them (as upstream's
// Warn mode does), strip each one found and decode again.
void eraseAtPath(api::Json& j, const std::string& path);

template <class T>
DecodeCheck check(const api::Json& obj) {
  DecodeCheck out;
  // A clean object (the usual case) costs one decode: strict success implies plain success.
  auto strict = api::decodeStrict<T>(obj);
  if (strict.ok()) return out;
  auto plain = api::decode<T>(obj);
  if (!plain.ok()) {
    out.type_error = plain.status();
    return out;
  }
  api::Json work = obj;
  for (int i = 0; i < 100; ++i) {
    if (i > 0) strict = api::decodeStrict<T>(work);
    if (strict.ok()) break;
    const std::string& msg = strict.status().context();
    const std::string suffix = ": unknown field";
    size_t at = msg.rfind(suffix);
    if (at == std::string::npos) break;
    std::string path = msg.substr(0, at);
    if (size_t colon = path.rfind(": "); colon != std::string::npos) path = path.substr(colon + 2);
    out.unknown_fields.push_back(path);
    eraseAtPath(work, path);
  }
  return out;
}

// "spec.containers[0].foo" → erase key foo of spec.containers[0].
void eraseAtPath(api::Json& j, const std::string& path) {
  api::Json* cur = &j;
  std::string last;
  size_t i = 0;
  auto step = [&](const std::string& key) -> bool {
    if (!cur->is_object() || !cur->contains(key)) return false;
    cur = &(*cur)[key];
    return true;
  };
  std::vector<std::pair<std::string, long>> parts;  // key, or index when key empty
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
    } else if (path[i] == '[') {
      size_t close = path.find(']', i);
      if (close == std::string::npos) return;
      parts.emplace_back("", std::stol(path.substr(i + 1, close - i - 1)));
      i = close + 1;
    } else {
      size_t end = path.find_first_of(".[", i);
      parts.emplace_back(path.substr(i, end - i), -1);
      i = end == std::string::npos ? path.size() : end;
    }
  }
  if (parts.empty() || parts.back().first.empty()) return;
  last = parts.back().first;
  parts.pop_back();
  for (const auto& [key, index] : parts) {
    if (!key.empty()) {
      if (!step(key)) return;
    } else {
      if (!cur->is_array() || index < 0 || static_cast<size_t>(index) >= cur->size()) return;
      cur = &(*cur)[static_cast<size_t>(index)];
    }
  }
  if (cur->is_object()) cur->erase(last);
}

template <class T>
std::pair<std::string, Checker> entry() {
  return {std::string(T::kGroup) + "/" + std::string(T::kKind), &check<T>};
}

const std::map<std::string, Checker>& checkers() {
  static const std::map<std::string, Checker> table = {
      entry<api::Pod>(),           entry<api::Service>(),
      entry<api::Endpoints>(),     entry<api::Node>(),
      entry<api::Namespace>(),     entry<api::ConfigMap>(),
      entry<api::Secret>(),        entry<api::ServiceAccount>(),
      entry<api::Event>(),         entry<api::ResourceQuota>(),
      entry<api::LimitRange>(),    entry<api::Deployment>(),
      entry<api::ReplicaSet>(),    entry<api::DaemonSet>(),
      entry<api::EndpointSlice>(), entry<api::Lease>(),
      entry<api::Role>(),          entry<api::ClusterRole>(),
      entry<api::RoleBinding>(),   entry<api::ClusterRoleBinding>(),
  };
  return table;
}

}  // namespace

DecodeCheck checkDecodes(std::string_view group, std::string_view kind, const api::Json& obj) {
  auto it = checkers().find(std::string(group) + "/" + std::string(kind));
  if (it == checkers().end()) return {};
  return it->second(obj);
}

}  // namespace orch::apiserver
