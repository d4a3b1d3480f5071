#include "controlplane/apiserver/registry/pod_hooks.h"

#include <map>
#include <set>

#include "common/api/quantity.h"

namespace orch::apiserver {

namespace {

// name → quantity text of a container's resources.<which> (cpu, memory only count for QoS).
std::map<std::string, std::string> resourceList(const api::Json& c, const char* which) {
  std::map<std::string, std::string> out;
  auto r = c.find("resources");
  if (r == c.end() || !r->is_object()) return out;
  auto l = r->find(which);
  if (l == r->end() || !l->is_object()) return out;
  for (const auto& [k, v] : l->items()) {
    if (k != "cpu" && k != "memory") continue;
    if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_number())
      out[k] = v.dump();
  }
  return out;
}

bool isZero(const std::string& q) {
  auto parsed = api::Quantity::parse(q);
  return parsed.ok() && parsed->isZero();
}

}  // namespace

std::string podQosClass(const api::Json& pod) {
  bool any = false;
  bool guaranteed = true;
  auto spec = pod.find("spec");
  if (spec == pod.end() || !spec->is_object()) return "BestEffort";
  for (const char* list : {"initContainers", "containers"}) {
    auto cs = spec->find(list);
    if (cs == spec->end() || !cs->is_array()) continue;
    for (const api::Json& c : *cs) {
      auto requests = resourceList(c, "requests");
      auto limits = resourceList(c, "limits");
      for (auto it = requests.begin(); it != requests.end();)
        it = isZero(it->second) ? requests.erase(it) : std::next(it);
      for (auto it = limits.begin(); it != limits.end();)
        it = isZero(it->second) ? limits.erase(it) : std::next(it);
      if (!requests.empty() || !limits.empty()) any = true;
      // Guaranteed: cpu and memory limits set, and requests (defaulted from limits) equal.
      if (limits.size() != 2) guaranteed = false;
      for (const auto& [k, v] : requests) {
        auto l = limits.find(k);
        if (l == limits.end()) {
          guaranteed = false;
          continue;
        }
        auto a = api::Quantity::parse(v), b = api::Quantity::parse(l->second);
        if (!a.ok() || !b.ok() || a->compare(*b) != 0) guaranteed = false;
      }
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

void PodHooks::prepareCreate(api::Json& obj, const WriteContext& ctx) {
  (void)ctx;
  obj["status"] = {{"phase", "Pending"}, {"qosClass", podQosClass(obj)}};
}

int64_t PodHooks::gracePeriod(const api::Json& obj, std::optional<int64_t> requested) {
  const api::Json& spec = obj.contains("spec") ? obj["spec"] : api::Json::object();
  if (spec.value("nodeName", "").empty()) return 0;  // never ran anywhere
  if (obj.contains("status") && obj["status"].is_object()) {
    std::string phase = obj["status"].value("phase", "");
    if (phase == "Succeeded" || phase == "Failed") return 0;
  }
  if (requested) return std::max<int64_t>(*requested, 0);
  auto g = spec.find("terminationGracePeriodSeconds");
  if (g != spec.end() && g->is_number_integer()) return std::max<int64_t>(g->get<int64_t>(), 0);
  return 30;
}

}  // namespace orch::apiserver
