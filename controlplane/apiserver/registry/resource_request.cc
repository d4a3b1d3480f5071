#include "controlplane/apiserver/registry/resource_request.h"

#include <vector>

#include "controlplane/apiserver/router.h"

namespace orch::apiserver {

ResourceRequest parseResourcePath(const std::string& group, const std::string& version,
                                  const std::string& path) {
  ResourceRequest rr;
  std::vector<std::string> segs = splitPath("/" + path);
  if (!segs.empty() && segs[0] == "watch") {
    rr.legacy_watch = true;
    segs.erase(segs.begin());
  }
  size_t i = 0;
  if (segs.size() >= 3 && segs[0] == "namespaces") {
    const ResourceInfo* r = findResource(group, version, segs[2]);
    if (r != nullptr && r->namespaced) {
      rr.ns = segs[1];
      i = 2;
    }
  }
  if (i >= segs.size()) return rr;
  rr.resource = findResource(group, version, segs[i]);
  if (rr.resource == nullptr) return rr;
  // A namespaced resource by name needs its namespace.
  if (rr.resource->namespaced && rr.ns.empty() && segs.size() > i + 1) {
    rr.resource = nullptr;
    return rr;
  }
  if (segs.size() > i + 1) rr.name = segs[i + 1];
  if (segs.size() > i + 2) rr.subresource = segs[i + 2];
  rr.malformed = segs.size() > i + 3;
  return rr;
}

}  // namespace orch::apiserver
