#include "controlplane/apiserver/registry/namespace_lifecycle.h"

#include <algorithm>
#include <chrono>

#include "common/api/time.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

// How often terminating namespaces are looked at when nothing pokes the cleaner (pods
// finishing their graceful deletion on a node do not).
constexpr auto kPassInterval = std::chrono::seconds(1);
constexpr const char* kManager = "orch-namespace-controller";

}  // namespace

void NamespaceHooks::prepareCreate(api::Json& obj, const WriteContext& ctx) {
  (void)ctx;
  obj["status"] = {{"phase", "Active"}};
  // upstream's namespace strategy: the namespace controller finalizes every namespace.
  api::Json& spec = obj["spec"];
  if (!spec.is_object()) spec = api::Json::object();
  api::Json& f = spec["finalizers"];
  if (!f.is_array()) f = api::Json::array();
  if (std::find(f.begin(), f.end(), api::Json("kubernetes")) == f.end()) f.push_back("kubernetes");
}

bool NamespaceHooks::keepOnDelete(api::Json& obj) {
  const api::Json spec = obj.value("spec", api::Json::object());
  auto f = spec.find("finalizers");
  if (f == spec.end() || !f->is_array() || f->empty()) return false;
  obj["status"]["phase"] = "Terminating";
  if (on_terminating_) on_terminating_(obj["metadata"].value("name", ""));
  return true;
}

NamespaceCleaner::NamespaceCleaner(ResourceStorage& namespaces,
                                   std::vector<ResourceStorage*> contents)
    : namespaces_(namespaces),
      contents_(std::move(contents)),
      worker_(kPassInterval, [this] { cleanOnce(); }) {}

bool NamespaceCleaner::emptyNamespace(const std::string& ns) {
  bool empty = true;
  for (ResourceStorage* s : contents_) {
    auto page = s->list(ns, ListOptions{});
    if (!page.ok()) return false;
    if (page->items.empty()) continue;
    empty = false;
    WriteContext ctx = systemWriteContext(kManager);
    const api::Json list = s->listJson(*page);
    for (const api::Json& item : list["items"]) {
      if (!metaString(item, "deletionTimestamp").empty()) continue;  // already going
      (void)s->remove(ns, metaString(item, "name"), DeleteOptions{}, ctx);
    }
  }
  return empty;
}

void NamespaceCleaner::cleanOnce() {
  auto page = namespaces_.list("", ListOptions{});
  if (!page.ok()) return;
  const api::Json list = namespaces_.listJson(*page);
  for (const api::Json& ns : list["items"]) {
    if (metaString(ns, "deletionTimestamp").empty()) continue;
    const std::string name = metaString(ns, "name");
    if (!emptyNamespace(name)) continue;
    WriteContext ctx = systemWriteContext(kManager);
    (void)namespaces_.update(
        "", name,
        [](const api::Json* current) -> ApiResult<api::Json> {
          api::Json next = *current;
          api::Json kept = api::Json::array();
          for (const api::Json& f : next["spec"].value("finalizers", api::Json::array()))
            if (f != "kubernetes") kept.push_back(f);
          next["spec"]["finalizers"] = kept;
          return next;
        },
        ctx, Subresource::kFinalize);
  }
}

}  // namespace orch::apiserver
