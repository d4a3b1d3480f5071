#pragma once
// Internal to the validation library: the typed base of the per-kind rules and the shared
// pod-spec helpers. Each kind decodes the stored JSON into its orch::api struct, works on
// the struct and (for defaults) encodes it back; unknown fields ride along in unknown_fields.

#include <set>
#include <string>

#include "common/api/apps.h"
#include "common/api/codec.h"
#include "common/api/pod.h"
#include "controlplane/apiserver/validation/kind_rules.h"
#include "controlplane/apiserver/validation/meta_rules.h"

namespace orch::apiserver {

// A decode failure as one FieldError: "spec.replicas: expected integer, got string".
FieldError decodeFailure(const Status& st);

template <class T>
class TypedRules : public KindRules {
 public:
  Status applyDefaults(Json& obj) const final {
    auto r = api::decode<T>(obj);
    if (!r.ok()) return r.status();
    T v = std::move(*r);
    defaults(v);
    obj = api::encode(v);
    return Status::ok();
  }
  FieldErrors validateCreate(const Json& obj) const final {
    auto r = api::decode<T>(obj);
    if (!r.ok()) return {decodeFailure(r.status())};
    return create(*r);
  }
  FieldErrors validateUpdate(const Json& obj, const Json& old) const final {
    auto n = api::decode<T>(obj);
    if (!n.ok()) return {decodeFailure(n.status())};
    auto o = api::decode<T>(old);
    if (!o.ok()) return {decodeFailure(o.status())};
    FieldErrors errs = create(*n);
    append(errs, validateMetaUpdate(n->metadata, o->metadata));
    append(errs, update(*n, *o));
    return errs;
  }
  FieldErrors validateStatusUpdate(const Json& obj, const Json& old) const final {
    auto n = api::decode<T>(obj);
    if (!n.ok()) return {decodeFailure(n.status())};
    auto o = api::decode<T>(old);
    if (!o.ok()) return {decodeFailure(o.status())};
    FieldErrors errs = validateMetaUpdate(n->metadata, o->metadata);
    append(errs, status(*n, *o));
    return errs;
  }

 protected:
  virtual void defaults(T&) const {}
  virtual FieldErrors create(const T& v) const = 0;
  // The update-only rules (immutable fields); create() and the meta update run as well.
  virtual FieldErrors update(const T&, const T&) const { return {}; }
  // The status values of a status update.
  virtual FieldErrors status(const T&, const T&) const { return {}; }
};

// ---- Pod spec (pod_defaults.cc, pod_rules.cc, container_rules.cc) ----
// SetDefaults_PodSpec and everything under it (containers, probes, volumes, ...).
void defaultPodSpec(api::PodSpec& spec);
// SetDefaults_Pod: the pod-only defaults (requests from limits, enableServiceLinks, host
// network ports), then defaultPodSpec.
void defaultPod(api::Pod& pod);
// ValidatePodSpec at `path` ("spec" or "spec.template.spec").
FieldErrors validatePodSpec(const api::PodSpec& spec, const std::string& path);
// ValidatePodTemplateSpec: template metadata (labels, annotations) and its pod spec.
FieldErrors validatePodTemplateSpec(const api::PodTemplateSpec& t, const std::string& path);
// The containers of a spec (init + app); `volumes` are the names of the volumes that
// validated cleanly (a mount of any other is "not found", as upstream).
FieldErrors validateAllContainers(const api::PodSpec& spec, const std::string& path,
                                  const std::set<std::string>& volumes);
// ValidatePortNumOrName.
FieldErrors validatePortNumOrName(const api::IntOrString& port, const std::string& path);
// Pod condition status values (True/False/Unknown).
FieldErrors validateConditionStatus(const std::string& status, const std::string& path);
// Tolerations and taint effects.
FieldErrors validateTolerations(const std::vector<api::Toleration>& t, const std::string& path);
// resource name -> non-negative quantity.
FieldErrors validateResourceList(const api::ResourceList& rl, const std::string& path);

// ---- Per-kind rule singletons (one .cc per group) ----
const KindRules* podRules();
const KindRules* bindingRules();
const KindRules* serviceRules();
const KindRules* endpointsRules();
const KindRules* endpointSliceRules();
const KindRules* deploymentRules();
const KindRules* replicaSetRules();
const KindRules* daemonSetRules();
const KindRules* scaleRules();
const KindRules* namespaceRules();
const KindRules* configMapRules();
const KindRules* secretRules();
const KindRules* serviceAccountRules();
const KindRules* resourceQuotaRules();
const KindRules* limitRangeRules();
const KindRules* nodeRules();
const KindRules* eventRules();
const KindRules* leaseRules();
const KindRules* evictionRules();
const KindRules* roleRules();
const KindRules* clusterRoleRules();
const KindRules* roleBindingRules();
const KindRules* clusterRoleBindingRules();

}  // namespace orch::apiserver
