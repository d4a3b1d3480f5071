#pragma once
// Namespaces' lifecycle, as kube-apiserver and the namespace controller do it together: a new
// namespace is Active; deleting one with spec.finalizers marks it Terminating (new content is
// refused, see Registry::checkNamespace); the cleaner then deletes everything in it (pods on
// nodes gracefully) and, once nothing is left, removes the "kubernetes" finalizer through the
// finalize subresource, which removes the namespace.

#include <functional>
#include <vector>

#include "controlplane/apiserver/registry/background_worker.h"
#include "controlplane/apiserver/registry/kind_hooks.h"
#include "controlplane/apiserver/registry/rest_storage.h"

namespace orch::apiserver {

class NamespaceHooks : public KindHooks {
 public:
  // Called with the namespace's name when it is marked for deletion (wakes the cleaner).
  explicit NamespaceHooks(std::function<void(const std::string&)> on_terminating = {})
      : on_terminating_(std::move(on_terminating)) {}
  void prepareCreate(api::Json& obj, const WriteContext& ctx) override;
  bool keepOnDelete(api::Json& obj) override;

 private:
  std::function<void(const std::string&)> on_terminating_;
};

class NamespaceCleaner {
 public:
  // `namespaces` and every storage in `contents` (the namespaced resources) outlive the
  // cleaner. Starts the cleaner thread.
  NamespaceCleaner(ResourceStorage& namespaces, std::vector<ResourceStorage*> contents);
  NamespaceCleaner(const NamespaceCleaner&) = delete;
  NamespaceCleaner& operator=(const NamespaceCleaner&) = delete;

  // Wakes the cleaner now instead of at its next periodic pass.
  void poke() { worker_.poke(); }
  // One pass over the terminating namespaces (also used by tests).
  void cleanOnce();

 private:
  // Deletes the namespace's content; true when nothing is left.
  bool emptyNamespace(const std::string& ns);

  ResourceStorage& namespaces_;
  std::vector<ResourceStorage*> contents_;
  BackgroundWorker worker_;  // last: stops first
};

}  // namespace orch::apiserver
