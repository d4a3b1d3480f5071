#include "controlplane/apiserver/patch/patch_schema.h"

#include <deque>

namespace orch::apiserver::patch {
namespace {

// Owns every node of every kind's schema; built once, never modified afterwards.
class Tables {
 public:
  Tables() { build(); }

  const PatchSchema* find(std::string_view group, std::string_view kind) const {
    for (const auto& [g, k, node] : kinds_) {
      if (g == group && k == kind) return node;
    }
    return nullptr;
  }

 private:
  SchemaNode* make() { return &nodes_.emplace_back(); }

  // A list merged by `key` in a strategic merge patch and associative by `keys` in apply.
  SchemaNode* keyedList(std::string key, std::vector<std::string> keys = {}) {
    SchemaNode* n = make();
    n->smp_merge = true;
    n->list_type = ListType::kMap;
    n->list_keys = keys.empty() ? std::vector<std::string>{key} : std::move(keys);
    n->merge_key = std::move(key);
    return n;
  }
  // `patchStrategy:"merge"` on a list of primitives, `+listType=set`.
  SchemaNode* primitiveSet() {
    SchemaNode* n = make();
    n->smp_merge = true;
    n->list_type = ListType::kSet;
    return n;
  }
  SchemaNode* atomicObject() {
    SchemaNode* n = make();
    n->atomic = true;
    return n;
  }
  // Associative list keyed by "type" (status.conditions everywhere).
  SchemaNode* conditions() { return keyedList("type"); }

  // An object whose only schema is metadata (plus the given fields).
  SchemaNode* withMeta() {
    SchemaNode* n = make();
    n->fields["metadata"] = meta_;
    return n;
  }

  void add(std::string group, std::string kind, const SchemaNode* root) {
    kinds_.push_back({std::move(group), std::move(kind), root});
  }

  void build() {
    // ObjectMeta (k8s.io/apimachinery/pkg/apis/meta/v1 types.go).
    SchemaNode* meta = make();
    meta->fields["finalizers"] = primitiveSet();
    meta->fields["ownerReferences"] = keyedList("uid");
    meta_ = meta;

    // Container (core/v1 types.go): ports by containerPort (apply keys containerPort+protocol),
    // env by name, volumeMounts by mountPath, volumeDevices by devicePath.
    SchemaNode* ports = keyedList("containerPort", {"containerPort", "protocol"});
    ports->key_defaults = {{"protocol", "TCP"}};
    SchemaNode* container = keyedList("name");
    container->fields["ports"] = ports;
    container->fields["env"] = keyedList("name");
    container->fields["volumeMounts"] = keyedList("mountPath");
    container->fields["volumeDevices"] = keyedList("devicePath");

    // Volume: `patchStrategy:"merge,retainKeys"` so switching the source drops the old one.
    SchemaNode* volumes = keyedList("name");
    volumes->retain_keys = true;

    SchemaNode* topology = keyedList("topologyKey", {"topologyKey", "whenUnsatisfiable"});
    topology->fields["labelSelector"] = atomicObject();
    SchemaNode* resource_claims = keyedList("name");
    resource_claims->retain_keys = true;

    SchemaNode* pod_spec = make();
    pod_spec->fields["containers"] = container;
    pod_spec->fields["initContainers"] = container;
    pod_spec->fields["ephemeralContainers"] = container;
    pod_spec->fields["volumes"] = volumes;
    pod_spec->fields["imagePullSecrets"] = keyedList("name");
    pod_spec->fields["hostAliases"] = keyedList("ip");
    pod_spec->fields["topologySpreadConstraints"] = topology;
    pod_spec->fields["resourceClaims"] = resource_claims;
    pod_spec->fields["schedulingGates"] = keyedList("name");
    // tolerations, readinessGates: no patchStrategy upstream, atomic.

    SchemaNode* pod_status = make();
    pod_status->fields["conditions"] = conditions();
    pod_status->fields["podIPs"] = keyedList("ip");
    pod_status->fields["hostIPs"] = keyedList("ip");
    SchemaNode* claim_statuses = keyedList("name");
    claim_statuses->retain_keys = true;
    pod_status->fields["resourceClaimStatuses"] = claim_statuses;

    SchemaNode* template_spec = make();
    template_spec->fields["metadata"] = meta;
    template_spec->fields["spec"] = pod_spec;

    SchemaNode* pod = withMeta();
    pod->fields["spec"] = pod_spec;
    pod->fields["status"] = pod_status;
    add("", "Pod", pod);

    // Workloads: selector is an atomic LabelSelector, template the pod rules.
    SchemaNode* workload_status = make();
    workload_status->fields["conditions"] = conditions();
    auto workload = [&](bool retain_strategy) {
      SchemaNode* spec = make();
      spec->fields["selector"] = atomicObject();
      spec->fields["template"] = template_spec;
      if (retain_strategy) {
        SchemaNode* strategy = make();
        strategy->retain_keys = true;
        spec->fields["strategy"] = strategy;
      }
      SchemaNode* n = withMeta();
      n->fields["spec"] = spec;
      n->fields["status"] = workload_status;
      return n;
    };
    add("apps", "Deployment", workload(true));
    add("apps", "ReplicaSet", workload(false));
    add("apps", "DaemonSet", workload(false));
    add("apps", "StatefulSet", workload(false));

    // Service: ports by port (apply keys port+protocol); selector is an atomic map.
    SchemaNode* svc_ports = keyedList("port", {"port", "protocol"});
    svc_ports->key_defaults = {{"protocol", "TCP"}};
    SchemaNode* svc_spec = make();
    svc_spec->fields["ports"] = svc_ports;
    SchemaNode* svc_selector = make();
    svc_selector->atomic = true;
    svc_spec->fields["selector"] = svc_selector;
    SchemaNode* with_conditions = make();
    with_conditions->fields["conditions"] = conditions();
    SchemaNode* service = withMeta();
    service->fields["spec"] = svc_spec;
    service->fields["status"] = with_conditions;
    add("", "Service", service);

    // Node: podCIDRs a merged set; status conditions and addresses by type.
    SchemaNode* node_spec = make();
    node_spec->fields["podCIDRs"] = primitiveSet();
    SchemaNode* node_status = make();
    node_status->fields["conditions"] = conditions();
    node_status->fields["addresses"] = keyedList("type");
    SchemaNode* node = withMeta();
    node->fields["spec"] = node_spec;
    node->fields["status"] = node_status;
    add("", "Node", node);

    SchemaNode* ns = withMeta();
    ns->fields["status"] = with_conditions;
    add("", "Namespace", ns);

    SchemaNode* sa = withMeta();
    sa->fields["secrets"] = keyedList("name");
    add("", "ServiceAccount", sa);

    // Kinds whose lists are all atomic upstream (Endpoints subsets, EndpointSlice endpoints and
    // ports, RBAC rules and subjects, ...): only the metadata rules apply.
    const SchemaNode* plain = withMeta();
    for (const char* kind :
         {"ConfigMap", "Secret", "Endpoints", "Event", "LimitRange", "ResourceQuota", "Binding"}) {
      add("", kind, plain);
    }
    SchemaNode* pod_template = withMeta();
    pod_template->fields["template"] = template_spec;
    add("", "PodTemplate", pod_template);
    for (const char* kind : {"ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"}) {
      add("rbac.authorization.k8s.io", kind, plain);
    }
    add("coordination.k8s.io", "Lease", plain);
    add("discovery.k8s.io", "EndpointSlice", plain);
    add("events.k8s.io", "Event", plain);
    add("policy", "Eviction", plain);
    add("policy", "PodDisruptionBudget", plain);
    add("autoscaling", "Scale", plain);
    add("scheduling.k8s.io", "PriorityClass", plain);
  }

  struct Kind {
    std::string group;
    std::string kind;
    const SchemaNode* node;
  };
  std::deque<SchemaNode> nodes_;  // deque: pointers stay valid while growing
  std::vector<Kind> kinds_;
  const SchemaNode* meta_ = nullptr;
};

}  // namespace

const PatchSchema* patchSchemaFor(std::string_view group, std::string_view kind) {
  static const Tables tables;
  return tables.find(group, kind);
}

}  // namespace orch::apiserver::patch
