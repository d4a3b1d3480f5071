#include "controlplane/apiserver/registry/registry.h"

#include <tuple>

#include "controlplane/apiserver/registry/garbage_collector.h"
#include "controlplane/apiserver/registry/handlers.h"
#include "controlplane/apiserver/registry/namespace_lifecycle.h"
#include "controlplane/apiserver/registry/object_meta_ops.h"
#include "controlplane/apiserver/registry/pod_hooks.h"
#include "controlplane/apiserver/registry/service_allocation.h"
#include "controlplane/apiserver/registry/stored_object.h"

namespace orch::apiserver {

namespace {

const char* const kSystemNamespaces[] = {"default", "kube-system", "kube-public",
                                         "kube-node-lease"};

std::string storageKey(const std::string& group, const std::string& plural) {
  return group + "/" + plural;
}

}  // namespace

Registry::Registry(RegistryConfig config) : config_(std::move(config)) {}

Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::create(RegistryConfig config) {
  if (config.store == nullptr) return Status::error(EINVAL, "registry: no store");
  std::unique_ptr<Registry> r(new Registry(std::move(config)));
  ORCH_RETURN_IF_ERROR(r->init());
  return r;
}

Status Registry::init() {
  ORCH_ASSIGN_OR_RETURN(services_,
                        ServiceAllocation::create(*config_.store, config_.service_cluster_ip_range,
                                                  config_.service_node_port_range));
  auto ns_check = [this](const std::string& ns) { return checkNamespace(ns); };
  for (const ResourceInfo& info : resources()) {
    std::shared_ptr<KindHooks> hooks;
    if (info.group.empty() && info.kind == "Pod") hooks = std::make_shared<PodHooks>();
    if (info.group.empty() && info.kind == "Service") hooks = services_;
    if (info.group.empty() && info.kind == "Namespace")
      hooks = std::make_shared<NamespaceHooks>([this](const std::string& ns) {
        {
          std::lock_guard<std::mutex> lock(active_mu_);
          active_namespaces_.erase(ns);
        }
        if (cleaner_) cleaner_->poke();
      });
    storages_[storageKey(info.group, info.plural)] =
        std::make_unique<ResourceStorage>(info, *config_.store, hooks, ns_check);
  }

  std::vector<ResourceStorage*> namespaced;
  for (auto& [key, s] : storages_)
    if (s->info().namespaced) namespaced.push_back(s.get());
  cleaner_ = std::make_unique<NamespaceCleaner>(*storage("", "namespaces"), std::move(namespaced));
  std::vector<ResourceStorage*> all;
  for (auto& [key, s] : storages_) all.push_back(s.get());
  gc_ = std::make_unique<GarbageCollector>(all);
  for (ResourceStorage* s : all)
    s->setObserver(
        {[this](const ResourceInfo& r, const api::Json& obj) { gc_->ownerDeleted(r, obj); },
         [this](const ResourceInfo& r, const api::Json& obj) { gc_->ownerFinalizing(r, obj); }});
  gc_->resumePending();

  // Repair the allocators from what the stored Services hold.
  ResourceStorage* svc = storage("", "services");
  auto page = svc->list("", ListOptions{});
  if (!page.ok()) return Status::error(EIO, "list services: " + page.error().status.message);
  std::vector<api::Json> services;
  const api::Json list = svc->listJson(*page);
  for (const api::Json& item : list["items"]) services.push_back(item);
  ORCH_RETURN_IF_ERROR(services_->repair(services));

  // The namespaces every cluster has.
  ResourceStorage* namespaces = storage("", "namespaces");
  for (const char* name : kSystemNamespaces) {
    WriteContext ctx = systemWriteContext("orch-apiserver");
    api::Json ns = {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
    auto res = namespaces->create("", ns, ctx);
    if (!res.ok() && res.error().status.reason != "AlreadyExists")
      return Status::error(
          EIO, std::string("create namespace ") + name + ": " + res.error().status.message);
  }
  return ensureKubernetesService();
}

Status Registry::ensureKubernetesService() {
  WriteContext ctx = systemWriteContext("orch-apiserver");
  api::Json svc = {{"apiVersion", "v1"},
                   {"kind", "Service"},
                   {"metadata",
                    {{"name", "kubernetes"},
                     {"namespace", "default"},
                     {"labels", {{"component", "apiserver"}, {"provider", "kubernetes"}}}}},
                   {"spec",
                    {{"type", "ClusterIP"},
                     {"clusterIP", services_->firstAddress()},
                     {"ports",
                      {{{"name", "https"},
                        {"port", 443},
                        {"protocol", "TCP"},
                        {"targetPort", config_.secure_port}}}}}}};
  // Created once; a restart finds it (creating again would first try to reserve its address).
  ResourceStorage* services = storage("", "services");
  auto existing = services->get("default", "kubernetes");
  auto created = existing.ok() ? std::move(existing) : services->create("default", svc, ctx);
  if (!created.ok() && created.error().status.reason != "AlreadyExists")
    return Status::error(EIO, "create the kubernetes service: " + created.error().status.message);
  if (config_.advertise_address.empty()) return Status::ok();

  const bool v6 = config_.advertise_address.find(':') != std::string::npos;
  api::Json endpoints = {
      {"apiVersion", "v1"},
      {"kind", "Endpoints"},
      {"metadata", {{"name", "kubernetes"}, {"namespace", "default"}}},
      {"subsets",
       {{{"addresses", {{{"ip", config_.advertise_address}}}},
         {"ports", {{{"name", "https"}, {"port", config_.secure_port}, {"protocol", "TCP"}}}}}}}};
  api::Json slice = {
      {"apiVersion", "discovery.k8s.io/v1"},
      {"kind", "EndpointSlice"},
      {"metadata",
       {{"name", "kubernetes"},
        {"namespace", "default"},
        {"labels",
         {{"kubernetes.io/service-name", "kubernetes"},
          {"endpointslice.kubernetes.io/managed-by", "orch-apiserver"}}}}},
      {"addressType", v6 ? "IPv6" : "IPv4"},
      {"endpoints",
       {{{"addresses", {config_.advertise_address}}, {"conditions", {{"ready", true}}}}}},
      {"ports", {{{"name", "https"}, {"port", config_.secure_port}, {"protocol", "TCP"}}}}};
  for (auto [plural, group, obj] : {std::tuple{"endpoints", "", endpoints},
                                    std::tuple{"endpointslices", "discovery.k8s.io", slice}}) {
    auto res = storage(group, plural)
                   ->update(
                       "default", "kubernetes",
                       [&, obj](const api::Json* current) -> ApiResult<api::Json> {
                         api::Json next = obj;
                         if (current != nullptr)
                           next["metadata"]["uid"] = (*current)["metadata"]["uid"];
                         return next;
                       },
                       ctx, Subresource::kMain, /*create_if_missing=*/true);
    if (!res.ok())
      return Status::error(
          EIO, std::string("write the kubernetes ") + plural + ": " + res.error().status.message);
  }
  return Status::ok();
}

ResourceStorage* Registry::storage(const std::string& group, const std::string& plural) {
  auto it = storages_.find(storageKey(group, plural));
  return it == storages_.end() ? nullptr : it->second.get();
}

Result<WatchCache*> Registry::watchCache(const ResourceInfo& r, int64_t from_revision) {
  std::lock_guard<std::mutex> lock(caches_mu_);
  const std::string key = storageKey(r.group, r.plural);
  auto it = caches_.find(key);
  if (it != caches_.end()) return it->second.get();
  ORCH_ASSIGN_OR_RETURN(auto cache, WatchCache::create(*config_.store, resourcePrefix(r),
                                                       config_.watch_cache, from_revision));
  WatchCache* raw = cache.get();
  caches_[key] = std::move(cache);
  return raw;
}

ApiStatusResult Registry::checkNamespace(const std::string& ns) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(active_mu_);
    auto it = active_namespaces_.find(ns);
    if (it != active_namespaces_.end() && it->second > now) return Done{};
  }
  ResourceStorage* namespaces = storage("", "namespaces");
  auto obj = namespaces->get("", ns);
  if (!obj.ok()) return obj.error();
  if (!metaString(*obj, "deletionTimestamp").empty() ||
      obj->value("status", api::Json::object()).value("phase", "") == "Terminating") {
    ApiError e = forbiddenError(namespaces->info(), ns, "");
    e.status.message =
        "unable to create new content in namespace " + ns + " because it is being terminated";
    e.status.details->causes.push_back({.reason = "NamespaceTerminating",
                                        .message = "namespace " + ns + " is being terminated",
                                        .field = "metadata.namespace"});
    return e;
  }
  std::lock_guard<std::mutex> lock(active_mu_);
  if (active_namespaces_.size() > 10000) active_namespaces_.clear();  // bound the memory
  active_namespaces_[ns] = now + std::chrono::seconds(1);
  return Done{};
}

Reply Registry::handle(const std::string& group, const std::string& version, const Request& req) {
  ResourceRequest rr = parseResourcePath(group, version, req.param("path"));
  if (rr.resource == nullptr)
    return errorResponse(404, "NotFound", "the server could not find the requested resource");
  return serveResource(*this, rr, req);
}

Status Registry::addRoutes(Router& router) {
  // Parameter segments, so that discovery's exact /api/{version} and /apis/{group}/{version}
  // routes stay more specific than these.
  for (const char* method : {"GET", "POST", "PUT", "PATCH", "DELETE"}) {
    ORCH_RETURN_IF_ERROR(router.add(method, "/api/{version}/{path...}", [this](const Request& req) {
      return handle("", req.param("version"), req);
    }));
    ORCH_RETURN_IF_ERROR(
        router.add(method, "/apis/{group}/{version}/{path...}", [this](const Request& req) {
          return handle(req.param("group"), req.param("version"), req);
        }));
  }
  return Status::ok();
}

}  // namespace orch::apiserver
