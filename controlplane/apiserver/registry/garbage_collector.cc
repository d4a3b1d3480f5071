#include "controlplane/apiserver/registry/garbage_collector.h"

#include <chrono>

#include "common/api/time.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

constexpr auto kPassInterval = std::chrono::seconds(1);
constexpr const char* kManager = "orch-garbage-collector";
constexpr const char* kOrphan = "orphan";
constexpr const char* kForeground = "foregroundDeletion";

bool hasFinalizer(const api::Json& obj, const std::string& f) {
  const api::Json fs =
      obj.value("metadata", api::Json::object()).value("finalizers", api::Json::array());
  for (const api::Json& e : fs)
    if (e == f) return true;
  return false;
}

const api::Json& ownerRefs(const api::Json& obj) {
  static const api::Json none = api::Json::array();
  auto m = obj.find("metadata");
  if (m == obj.end() || !m->is_object()) return none;
  auto refs = m->find("ownerReferences");
  return refs != m->end() && refs->is_array() ? *refs : none;
}

}  // namespace

GarbageCollector::GarbageCollector(std::vector<ResourceStorage*> storages)
    : storages_(std::move(storages)), worker_(kPassInterval, [this] { processOnce(); }) {}

void GarbageCollector::enqueue(std::set<Owner>& queue, const ResourceInfo& r,
                               const api::Json& obj) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue.insert(
        {&r, metaString(obj, "namespace"), metaString(obj, "name"), metaString(obj, "uid")});
  }
  worker_.poke();
}

void GarbageCollector::ownerDeleted(const ResourceInfo& r, const api::Json& obj) {
  enqueue(deleted_, r, obj);
}

void GarbageCollector::ownerFinalizing(const ResourceInfo& r, const api::Json& obj) {
  enqueue(finalizing_, r, obj);
}

void GarbageCollector::resumePending() {
  for (ResourceStorage* s : storages_) {
    auto page = s->list("", ListOptions{});
    if (!page.ok()) continue;
    const api::Json list = s->listJson(*page);
    for (const api::Json& obj : list["items"])
      if (!metaString(obj, "deletionTimestamp").empty() &&
          (hasFinalizer(obj, kOrphan) || hasFinalizer(obj, kForeground)))
        ownerFinalizing(s->info(), obj);
  }
}

void GarbageCollector::processOnce() {
  std::set<Owner> deleted, finalizing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (deleted_.empty() && finalizing_.empty()) return;
    deleted.swap(deleted_);
    finalizing = finalizing_;
  }
  std::set<Owner> retry;
  for (const Owner& o : deleted)
    if (!collect(o)) retry.insert(o);
  std::set<Owner> finished;
  for (const Owner& o : finalizing) {
    auto current = storageOf(o.r->groupVersion(), o.r->kind)->get(o.ns, o.name);
    bool done = !current.ok() || metaString(*current, "uid") != o.uid;
    if (!done && hasFinalizer(*current, kOrphan))
      done = finishOrphan(o);
    else if (!done && hasFinalizer(*current, kForeground))
      done = finishForeground(o);
    else
      done = true;
    if (done) finished.insert(o);
  }
  std::lock_guard<std::mutex> lock(mu_);
  deleted_.insert(retry.begin(), retry.end());
  for (const Owner& o : finished) finalizing_.erase(o);
}

ResourceStorage* GarbageCollector::storageOf(const std::string& api_version,
                                             const std::string& kind) {
  for (ResourceStorage* s : storages_)
    if (s->info().groupVersion() == api_version && s->info().kind == kind) return s;
  return nullptr;
}

std::vector<GarbageCollector::Dependent> GarbageCollector::dependentsOf(const Owner& o) {
  std::vector<Dependent> out;
  for (ResourceStorage* s : storages_) {
    // Namespaced owners own only objects of their namespace; cluster-scoped ones any.
    if (!o.ns.empty() && !s->info().namespaced) continue;
    auto page = s->list(o.ns, ListOptions{});
    if (!page.ok()) continue;
    for (const std::string& text : page->items) {
      if (text.find(o.uid) == std::string::npos) continue;  // cheap pre-filter
      auto obj = api::Json::parse(text, nullptr, false);
      for (const api::Json& ref : ownerRefs(obj))
        if (ref.value("uid", "") == o.uid) {
          out.push_back({s, std::move(obj)});
          break;
        }
    }
  }
  return out;
}

bool GarbageCollector::ownerAlive(const std::string& ns, const api::Json& ref) {
  ResourceStorage* s = storageOf(ref.value("apiVersion", ""), ref.value("kind", ""));
  if (s == nullptr) return false;
  auto owner = s->get(s->info().namespaced ? ns : "", ref.value("name", ""));
  return owner.ok() && metaString(*owner, "uid") == ref.value("uid", "") &&
         !hasFinalizer(*owner, kForeground);
}

void GarbageCollector::dropReference(const Dependent& d, const std::string& uid) {
  WriteContext ctx = systemWriteContext(kManager);
  (void)d.storage->update(
      metaString(d.obj, "namespace"), metaString(d.obj, "name"),
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json next = *current;
        api::Json kept = api::Json::array();
        for (const api::Json& ref : ownerRefs(next))
          if (ref.value("uid", "") != uid) kept.push_back(ref);
        if (kept.empty())
          next["metadata"].erase("ownerReferences");
        else
          next["metadata"]["ownerReferences"] = kept;
        return next;
      },
      ctx, Subresource::kMain);
}

bool GarbageCollector::collect(const Owner& o) {
  bool done = true;
  for (const Dependent& d : dependentsOf(o)) {
    bool other_owner = false;
    for (const api::Json& ref : ownerRefs(d.obj))
      if (ref.value("uid", "") != o.uid && ownerAlive(metaString(d.obj, "namespace"), ref))
        other_owner = true;
    if (other_owner) {
      dropReference(d, o.uid);
      continue;
    }
    if (!metaString(d.obj, "deletionTimestamp").empty()) continue;
    WriteContext ctx = systemWriteContext(kManager);
    auto r = d.storage->remove(metaString(d.obj, "namespace"), metaString(d.obj, "name"),
                               DeleteOptions{}, ctx);
    if (!r.ok() && r.error().status.code != 404) done = false;
  }
  return done;
}

bool GarbageCollector::finishForeground(const Owner& o) {
  std::vector<Dependent> deps = dependentsOf(o);
  for (const Dependent& d : deps) {
    if (!metaString(d.obj, "deletionTimestamp").empty()) continue;  // on its way
    WriteContext ctx = systemWriteContext(kManager);
    DeleteOptions opts;
    opts.propagation_policy = "Foreground";
    (void)d.storage->remove(metaString(d.obj, "namespace"), metaString(d.obj, "name"), opts, ctx);
  }
  if (!deps.empty()) return false;  // wait until they are gone
  removeFinalizer(o, kForeground);
  return true;
}

bool GarbageCollector::finishOrphan(const Owner& o) {
  for (const Dependent& d : dependentsOf(o)) dropReference(d, o.uid);
  removeFinalizer(o, kOrphan);
  return true;
}

void GarbageCollector::removeFinalizer(const Owner& o, const std::string& finalizer) {
  ResourceStorage* s = storageOf(o.r->groupVersion(), o.r->kind);
  WriteContext ctx = systemWriteContext(kManager);
  (void)s->update(
      o.ns, o.name,
      [&](const api::Json* current) -> ApiResult<api::Json> {
        api::Json next = *current;
        api::Json kept = api::Json::array();
        for (const api::Json& f : next["metadata"].value("finalizers", api::Json::array()))
          if (f != finalizer) kept.push_back(f);
        next["metadata"]["finalizers"] = kept;
        return next;
      },
      ctx, Subresource::kMain);
}

}  // namespace orch::apiserver
