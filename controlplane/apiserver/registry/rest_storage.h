#pragma once
// The generic storage of one resource over the store, with kube-apiserver's semantics: what
// create, update, delete and list do to an object's metadata (uid, creationTimestamp,
// generation, resourceVersion, deletionTimestamp, finalizers, managedFields), defaulting and
// validation, optimistic concurrency (409 on a stale resourceVersion, internal retries for
// unconditional writes), status subresources, dry run, and the kind's hooks.
// HTTP-independent: handlers.cc maps requests onto it.
//
// Threads: all methods may run concurrently; the store serialises conflicting writes.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/api/json_io.h"
#include "controlplane/apiserver/registry/api_error.h"
#include "controlplane/apiserver/registry/kind_hooks.h"
#include "controlplane/apiserver/registry/list_options.h"
#include "controlplane/apiserver/registry/write_context.h"
#include "controlplane/apiserver/resources.h"
#include "controlplane/store/store.h"

namespace orch::apiserver {

// kFinalize: a Namespace's finalize subresource (spec.finalizers only). kBinding: the
// scheduler's binding of a pod to a node (spec.nodeName, which updates may not change).
enum class Subresource { kMain, kStatus, kFinalize, kBinding };

struct DeleteOptions {
  std::optional<int64_t> grace_period_seconds;
  std::optional<std::string> precondition_uid;
  std::optional<std::string> precondition_resource_version;
  std::string propagation_policy;  // "", "Orphan", "Background", "Foreground"
};

// DeleteOptions from the body (a DeleteOptions object, may be empty) and the query
// (gracePeriodSeconds, propagationPolicy). 400 naming the field on bad input.
ApiResult<DeleteOptions> parseDeleteOptions(const Request& req);

class ResourceStorage {
 public:
  // Answers whether objects may be created in namespace `ns` (404 when it does not exist,
  // 403 while it terminates).
  using NamespaceCheck = std::function<ApiStatusResult(const std::string& ns)>;

  ResourceStorage(const ResourceInfo& info, store::Store& store, std::shared_ptr<KindHooks> hooks,
                  NamespaceCheck namespace_check);

  const ResourceInfo& info() const { return info_; }

  // Told about deletions (the object as it was) and about objects that start waiting on the
  // "orphan" / "foregroundDeletion" finalizers (the garbage collector). Set during setup.
  struct Observer {
    std::function<void(const ResourceInfo&, const api::Json&)> deleted;
    std::function<void(const ResourceInfo&, const api::Json&)> finalizing;
  };
  void setObserver(Observer o) { observer_ = std::move(o); }
  store::Store& store() { return store_; }

  // The object, at `revision` (0 = latest).
  ApiResult<api::Json> get(const std::string& ns, const std::string& name, int64_t revision = 0);
  // One page of a list: the objects as JSON text (as stored, with their resourceVersion).
  struct ListPage {
    std::vector<std::string> items;
    int64_t revision = 0;
    std::string continue_token;  // empty on the last page
  };
  // The objects in `ns` ("" = all namespaces) matching the selectors, one page when o.limit
  // is set (continue_token then resumes it).
  ApiResult<ListPage> list(const std::string& ns, const ListOptions& o);
  // The <Kind>List of a page, as text and as JSON.
  std::string listText(const ListPage& page) const;
  api::Json listJson(const ListPage& page) const;
  // Creates `obj` in `ns` (the URL's namespace).
  ApiResult<api::Json> create(const std::string& ns, api::Json obj, WriteContext& ctx);

  // Computes the desired object from the current one (null when absent), which it gets
  // without metadata.resourceVersion.
  using Mutation = std::function<ApiResult<api::Json>(const api::Json* current)>;
  // Read-modify-write of object `name`. A desired object carrying metadata.resourceVersion
  // makes that version a precondition (409 when stale); otherwise a conflicting concurrent
  // write makes it retry with the new current object. Absent: 404, or a create when
  // `create_if_missing`. `track_fields` = false when the mutation maintains managedFields
  // itself (server-side apply). Unchanged objects are not written (same resourceVersion).
  ApiResult<api::Json> update(const std::string& ns, const std::string& name,
                              const Mutation& mutate, WriteContext& ctx, Subresource sub,
                              bool create_if_missing = false, bool track_fields = true);
  // Deletes `name` as DeleteOptions say: preconditions, graceful deletion (the kind's hooks),
  // finalizers (the object stays with deletionTimestamp until they are gone). Returns the
  // object as last seen (deleted, or marked for deletion).
  ApiResult<api::Json> remove(const std::string& ns, const std::string& name,
                              const DeleteOptions& opts, WriteContext& ctx);
  // Deletes every object of the list; answers with the list of what was deleted.
  ApiResult<api::Json> removeCollection(const std::string& ns, const ListOptions& o,
                                        const DeleteOptions& opts, WriteContext& ctx);

 private:
  struct Current;
  ApiResult<api::Json> finishCreate(api::Json obj, WriteContext& ctx);
  ApiResult<api::Json> prepareUpdate(const api::Json& old, api::Json desired, WriteContext& ctx,
                                     Subresource sub, bool track_fields);
  ApiResult<api::Json> commitDelete(const std::string& key, const std::string& name,
                                    const api::Json& obj, int64_t mod_revision, WriteContext& ctx);
  ApiStatusResult validateObject(const api::Json& obj, const api::Json* old, Subresource sub);
  ApiStatusResult checkUnknownFields(const api::Json& obj, WriteContext& ctx);

  const ResourceInfo& info_;
  store::Store& store_;
  std::shared_ptr<KindHooks> hooks_;
  NamespaceCheck namespace_check_;
  bool has_status_;
  Observer observer_;
};

}  // namespace orch::apiserver
