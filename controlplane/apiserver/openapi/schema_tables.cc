#include "controlplane/apiserver/openapi/schema_tables.h"

#include <map>
#include <utility>

namespace orch::apiserver::openapi {

namespace {

using Key = std::pair<std::string_view, std::string_view>;

constexpr std::string_view kMeta = "io.k8s.apimachinery.pkg.apis.meta.v1.";

// orch::api types outside core/v1, or named differently from upstream.
const std::map<std::string_view, std::string>& nameTable() {
  static const std::map<std::string_view, std::string> t = [] {
    std::map<std::string_view, std::string> m;
    auto meta = [&](std::string_view cpp, std::string_view upstream) {
      m[cpp] = std::string(kMeta) + std::string(upstream);
    };
    for (std::string_view n :
         {"OwnerReference", "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement",
          "StatusCause", "StatusDetails", "Time", "MicroTime", "ManagedFieldsEntry",
          "DeleteOptions", "Preconditions", "Patch", "WatchEvent", "FieldsV1"}) {
      meta(n, n);
    }
    meta("ApiStatus", "Status");
    m["Quantity"] = "io.k8s.apimachinery.pkg.api.resource.Quantity";
    m["IntOrString"] = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
    m["RawExtension"] = "io.k8s.apimachinery.pkg.runtime.RawExtension";
    const std::string apps = "io.k8s.api.apps.v1.";
    for (std::string_view n :
         {"DeploymentCondition", "RollingUpdateDeployment", "DeploymentStrategy", "DeploymentSpec",
          "DeploymentStatus", "Deployment", "ReplicaSetSpec", "ReplicaSetStatus", "ReplicaSet",
          "RollingUpdateDaemonSet", "DaemonSetUpdateStrategy", "DaemonSetSpec", "DaemonSetStatus",
          "DaemonSet"}) {
      m[n] = apps + std::string(n);
    }
    // One C++ struct for ReplicaSetCondition and DaemonSetCondition (same fields).
    m["WorkloadCondition"] = apps + "ReplicaSetCondition";
    m["DaemonSetCondition"] = apps + "DaemonSetCondition";
    const std::string disc = "io.k8s.api.discovery.v1.";
    for (std::string_view n :
         {"EndpointConditions", "ForZone", "ForNode", "EndpointHints", "EndpointSlice"}) {
      m[n] = disc + std::string(n);
    }
    m["SliceEndpoint"] = disc + "Endpoint";
    m["SlicePort"] = disc + "EndpointPort";
    for (std::string_view n : {"LeaseSpec", "Lease"}) {
      m[n] = "io.k8s.api.coordination.v1." + std::string(n);
    }
    for (std::string_view n : {"PolicyRule", "AggregationRule", "Role", "ClusterRole", "Subject",
                               "RoleRef", "RoleBinding", "ClusterRoleBinding"}) {
      m[n] = "io.k8s.api.rbac.v1." + std::string(n);
    }
    return m;
  }();
  return t;
}

const std::map<std::string_view, std::string_view>& descriptionTable() {
  static const std::map<std::string_view, std::string_view> t = {
      {"Pod",
       "Pod is a collection of containers that can run on a host. This resource is created by "
       "clients and scheduled onto hosts."},
      {"PodSpec", "PodSpec is a description of a pod."},
      {"PodStatus",
       "PodStatus represents information about the status of a pod. Status may trail the actual "
       "state of a system, especially if the node that hosts the pod cannot contact the control "
       "plane."},
      {"PodTemplateSpec",
       "PodTemplateSpec describes the data a pod should have when created from a template"},
      {"Container", "A single application container that you want to run within a pod."},
      {"ObjectMeta",
       "ObjectMeta is metadata that all persisted resources must have, which includes all "
       "objects users must create."},
      {"ListMeta",
       "ListMeta describes metadata that synthetic resources must have, including lists and "
       "various status objects. A resource may have only one of {ObjectMeta, ListMeta}."},
      {"Service",
       "Service is a named abstraction of software service (for example, mysql) consisting of "
       "local port (for example 3306) that the proxy listens on, and the selector that "
       "determines which pods will answer requests sent through the proxy."},
      {"ServiceSpec", "ServiceSpec describes the attributes that a user creates on a service."},
      {"Endpoints", "Endpoints is a collection of endpoints that implement the actual service."},
      {"ConfigMap", "ConfigMap holds configuration data for pods to consume."},
      {"Secret",
       "Secret holds secret data of a certain type. The total bytes of the values in the Data "
       "field must be less than MaxSecretSize bytes."},
      {"ServiceAccount",
       "ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral "
       "systems, for an identity * a principal that can be authenticated and authorized * a set "
       "of secrets"},
      {"Namespace",
       "Namespace provides a scope for Names. Use of multiple namespaces is optional."},
      {"Node",
       "Node is a worker node in Kubernetes. Each node will have a unique identifier in the "
       "cache (i.e. in etcd)."},
      {"Event",
       "Event is a report of an event somewhere in the cluster.  Events have a limited "
       "retention time and triggers and messages may evolve with time."},
      {"ResourceQuota", "ResourceQuota sets aggregate quota restrictions enforced per namespace"},
      {"LimitRange",
       "LimitRange sets resource usage limits for each kind of resource in a "
       "Namespace."},
      {"Deployment", "Deployment enables declarative updates for Pods and ReplicaSets."},
      {"DeploymentSpec",
       "DeploymentSpec is the specification of the desired behavior of the Deployment."},
      {"ReplicaSet",
       "ReplicaSet ensures that a specified number of pod replicas are running at any given "
       "time."},
      {"DaemonSet", "DaemonSet represents the configuration of a daemon set."},
      {"EndpointSlice",
       "EndpointSlice represents a subset of the endpoints that implement a service. For a "
       "given service there may be multiple EndpointSlice objects, selected by labels, which "
       "must be joined to produce the full set of endpoints."},
      {"Lease", "Lease defines a lease concept."},
      {"Role",
       "Role is a namespaced, logical grouping of PolicyRules that can be referenced as a unit "
       "by a RoleBinding."},
      {"ClusterRole",
       "ClusterRole is a cluster level, logical grouping of PolicyRules that can be referenced "
       "as a unit by a RoleBinding or ClusterRoleBinding."},
      {"RoleBinding",
       "RoleBinding references a role, but does not contain it.  It can reference a Role in "
       "the same namespace or a ClusterRole in the global namespace."},
      {"ClusterRoleBinding",
       "ClusterRoleBinding references a ClusterRole, but not contain it.  It can reference a "
       "ClusterRole in the global namespace, and adds who information via Subject."},
      {"LabelSelector",
       "A label selector is a label query over a set of resources. The result of matchLabels "
       "and matchExpressions are ANDed. An empty label selector matches all objects. A null "
       "label selector matches no objects."},
      {"ApiStatus", "Status is a return value for calls that don't return other objects."},
  };
  return t;
}

// Field descriptions; the empty type name holds those of the fields every kind and list has.
const std::map<Key, std::string_view>& fieldDescriptionTable() {
  static const std::map<Key, std::string_view> t = {
      {{"", "apiVersion"},
       "APIVersion defines the versioned schema of this representation of an object. Servers "
       "should convert recognized schemas to the latest internal value, and may reject "
       "unrecognized values."},
      {{"", "kind"},
       "Kind is a string value representing the REST resource this object represents. Servers "
       "may infer this from the endpoint the client submits requests to. Cannot be updated. In "
       "CamelCase."},
      {{"", "metadata"}, "Standard object's metadata."},
      {{"", "spec"},
       "Spec defines the behavior of the object. (Specification of the desired behavior.)"},
      {{"", "status"},
       "Most recently observed status of the object. Populated by the system. Read-only."},
      {{"", "items"}, "List of objects."},
      {{"Container", "name"},
       "Name of the container specified as a DNS_LABEL. Each container in a pod must have a "
       "unique name (DNS_LABEL). Cannot be updated."},
      {{"Container", "image"}, "Container image name."},
      {{"Container", "command"},
       "Entrypoint array. Not executed within a shell. The container image's ENTRYPOINT is used "
       "if this is not provided."},
      {{"Container", "args"},
       "Arguments to the entrypoint. The container image's CMD is used if this is not "
       "provided."},
      {{"Container", "ports"},
       "List of ports to expose from the container. Not specifying a port here DOES NOT "
       "prevent that port from being exposed."},
      {{"Container", "env"}, "List of environment variables to set in the container."},
      {{"PodSpec", "containers"},
       "List of containers belonging to the pod. Containers cannot currently be added or "
       "removed. There must be at least one container in a Pod. Cannot be updated."},
      {{"PodSpec", "initContainers"},
       "List of initialization containers belonging to the pod. Init containers are executed "
       "in order prior to containers being started."},
      {{"PodSpec", "volumes"},
       "List of volumes that can be mounted by containers belonging to the pod."},
      {{"PodSpec", "nodeName"},
       "NodeName indicates in which node this pod is scheduled. If empty, this pod is a "
       "candidate for scheduling by the scheduler defined in schedulerName."},
      {{"DeploymentSpec", "replicas"},
       "Number of desired pods. This is a pointer to distinguish between explicit zero and not "
       "specified. Defaults to 1."},
      {{"DeploymentSpec", "selector"},
       "Label selector for pods. Existing ReplicaSets whose pods are selected by this will be "
       "the ones affected by this deployment. It must match the pod template's labels."},
      {{"DeploymentSpec", "template"},
       "Template describes the pods that will be created. The only allowed "
       "template.spec.restartPolicy value is \"Always\"."},
      {{"ObjectMeta", "name"},
       "Name must be unique within a namespace. Is required when creating resources, although "
       "some resources may allow a client to request the generation of an appropriate name "
       "automatically. Cannot be updated."},
      {{"ObjectMeta", "namespace"},
       "Namespace defines the space within which each name must be unique. An empty namespace "
       "is equivalent to the \"default\" namespace."},
      {{"ObjectMeta", "labels"},
       "Map of string keys and values that can be used to organize and categorize (scope and "
       "select) objects."},
      {{"ObjectMeta", "annotations"},
       "Annotations is an unstructured key value map stored with a resource that may be set by "
       "external tools to store and retrieve arbitrary metadata."},
  };
  return t;
}

const std::map<std::string_view, std::vector<std::string>>& requiredTable() {
  static const std::map<std::string_view, std::vector<std::string>> t = {
      {"Container", {"name"}},
      {"ContainerPort", {"containerPort"}},
      {"EnvVar", {"name"}},
      {"VolumeMount", {"name", "mountPath"}},
      {"Volume", {"name"}},
      {"PodSpec", {"containers"}},
      {"KeyToPath", {"key", "path"}},
      {"ObjectFieldSelector", {"fieldPath"}},
      {"ResourceFieldSelector", {"resource"}},
      {"ConfigMapKeySelector", {"key"}},
      {"SecretKeySelector", {"key"}},
      {"HostPathVolumeSource", {"path"}},
      {"PersistentVolumeClaimVolumeSource", {"claimName"}},
      {"DownwardAPIVolumeFile", {"path"}},
      {"ServiceAccountTokenProjection", {"path"}},
      {"HTTPGetAction", {"port"}},
      {"HTTPHeader", {"name", "value"}},
      {"TCPSocketAction", {"port"}},
      {"GRPCAction", {"port"}},
      {"SleepAction", {"seconds"}},
      {"SeccompProfile", {"type"}},
      {"Sysctl", {"name", "value"}},
      {"PodOS", {"name"}},
      {"HostAlias", {"ip"}},
      {"PodIP", {"ip"}},
      {"PodCondition", {"type", "status"}},
      {"ContainerStateTerminated", {"exitCode"}},
      {"ContainerStatus", {"name", "ready", "restartCount", "image", "imageID"}},
      {"NodeSelector", {"nodeSelectorTerms"}},
      {"NodeSelectorRequirement", {"key", "operator"}},
      {"PreferredSchedulingTerm", {"weight", "preference"}},
      {"PodAffinityTerm", {"topologyKey"}},
      {"WeightedPodAffinityTerm", {"weight", "podAffinityTerm"}},
      {"Taint", {"key", "effect"}},
      {"ServicePort", {"port"}},
      {"EndpointAddress", {"ip"}},
      {"EndpointPort", {"port"}},
      {"NodeCondition", {"type", "status"}},
      {"NodeAddress", {"type", "address"}},
      {"DaemonEndpoint", {"Port"}},
      {"NodeSystemInfo",
       {"machineID", "systemUUID", "bootID", "kernelVersion", "osImage", "containerRuntimeVersion",
        "kubeletVersion", "kubeProxyVersion", "operatingSystem", "architecture"}},
      {"Event", {"metadata", "involvedObject"}},
      {"LimitRangeItem", {"type"}},
      {"LimitRangeSpec", {"limits"}},
      {"OwnerReference", {"apiVersion", "kind", "name", "uid"}},
      {"LabelSelectorRequirement", {"key", "operator"}},
      {"DeploymentSpec", {"selector", "template"}},
      {"DeploymentCondition", {"type", "status"}},
      {"ReplicaSetSpec", {"selector"}},
      {"WorkloadCondition", {"type", "status"}},
      {"DaemonSetSpec", {"selector", "template"}},
      {"DaemonSetStatus",
       {"currentNumberScheduled", "numberMisscheduled", "desiredNumberScheduled", "numberReady"}},
      {"ReplicaSetStatus", {"replicas"}},
      {"EndpointSlice", {"addressType", "endpoints"}},
      {"SliceEndpoint", {"addresses"}},
      {"ForZone", {"name"}},
      {"ForNode", {"name"}},
      {"PolicyRule", {"verbs"}},
      {"Subject", {"kind", "name"}},
      {"RoleRef", {"apiGroup", "kind", "name"}},
      {"RoleBinding", {"roleRef"}},
      {"ClusterRoleBinding", {"roleRef"}},
  };
  return t;
}

const std::map<Key, ListRules>& listRulesTable() {
  static const std::map<Key, ListRules> t = {
      {{"ObjectMeta", "finalizers"}, {"merge", "", "set", {}}},
      {{"ObjectMeta", "ownerReferences"}, {"merge", "uid", "map", {"uid"}}},
      {{"PodSpec", "containers"}, {"merge", "name", "map", {"name"}}},
      {{"PodSpec", "initContainers"}, {"merge", "name", "map", {"name"}}},
      {{"PodSpec", "volumes"}, {"merge,retainKeys", "name", "map", {"name"}}},
      {{"PodSpec", "imagePullSecrets"}, {"merge", "name", "map", {"name"}}},
      {{"PodSpec", "hostAliases"}, {"merge", "ip", "map", {"ip"}}},
      {{"PodSpec", "tolerations"}, {"", "", "atomic", {}}},
      {{"Container", "ports"}, {"merge", "containerPort", "map", {"containerPort", "protocol"}}},
      {{"Container", "env"}, {"merge", "name", "map", {"name"}}},
      {{"Container", "volumeMounts"}, {"merge", "mountPath", "map", {"mountPath"}}},
      {{"Container", "command"}, {"", "", "atomic", {}}},
      {{"Container", "args"}, {"", "", "atomic", {}}},
      {{"PodStatus", "conditions"}, {"merge", "type", "map", {"type"}}},
      {{"PodStatus", "podIPs"}, {"merge", "ip", "map", {"ip"}}},
      {{"PodStatus", "hostIPs"}, {"merge", "ip", "atomic", {}}},
      {{"ServiceAccount", "secrets"}, {"merge", "name", "map", {"name"}}},
      {{"Container", "envFrom"}, {"", "", "atomic", {}}},
      {{"ServiceSpec", "ports"}, {"merge", "port", "map", {"port", "protocol"}}},
      {{"NodeSpec", "podCIDRs"}, {"merge", "", "set", {}}},
      {{"NodeStatus", "conditions"}, {"merge", "type", "map", {"type"}}},
      {{"NodeStatus", "addresses"}, {"merge", "type", "map", {"type"}}},
      {{"DeploymentSpec", "strategy"}, {"retainKeys", "", "", {}}},
      {{"DeploymentStatus", "conditions"}, {"merge", "type", "map", {"type"}}},
      {{"ReplicaSetStatus", "conditions"}, {"merge", "type", "map", {"type"}}},
      {{"DaemonSetStatus", "conditions"}, {"merge", "type", "map", {"type"}}},
      {{"LabelSelector", "matchExpressions"}, {"", "", "atomic", {}}},
      {{"EndpointSlice", "endpoints"}, {"", "", "atomic", {}}},
      {{"EndpointSlice", "ports"}, {"", "", "atomic", {}}},
  };
  return t;
}

const std::map<Key, std::string_view>& aliasTable() {
  static const std::map<Key, std::string_view> t = {
      {{"Affinity", "podAntiAffinity"}, "PodAntiAffinity"},
      {{"DaemonSetStatus", "conditions"}, "DaemonSetCondition"},
  };
  return t;
}

}  // namespace

std::string definitionName(std::string_view cpp_name) {
  const auto& t = nameTable();
  auto it = t.find(cpp_name);
  if (it != t.end()) return it->second;
  return "io.k8s.api.core.v1." + std::string(cpp_name);
}

std::string packageOf(std::string_view group, std::string_view version) {
  std::string g(group);
  if (g.empty()) {
    g = "core";
  } else if (g == "rbac.authorization.k8s.io") {
    g = "rbac";
  } else if (size_t dot = g.find('.'); dot != std::string::npos) {
    g = g.substr(0, dot);  // "discovery.k8s.io" → "discovery"
  }
  return "io.k8s.api." + g + "." + std::string(version);
}

std::string_view definitionDescription(std::string_view cpp_name) {
  const auto& t = descriptionTable();
  auto it = t.find(cpp_name);
  return it == t.end() ? std::string_view() : it->second;
}

std::string_view fieldDescription(std::string_view cpp_name, std::string_view field) {
  const auto& t = fieldDescriptionTable();
  auto it = t.find(Key{cpp_name, field});
  return it == t.end() ? std::string_view() : it->second;
}

std::vector<std::string> requiredFields(std::string_view cpp_name) {
  const auto& t = requiredTable();
  auto it = t.find(cpp_name);
  return it == t.end() ? std::vector<std::string>{} : it->second;
}

const ListRules* listRules(std::string_view cpp_name, std::string_view field) {
  const auto& t = listRulesTable();
  auto it = t.find(Key{cpp_name, field});
  return it == t.end() ? nullptr : &it->second;
}

std::string_view fieldTypeAlias(std::string_view cpp_name, std::string_view field) {
  const auto& t = aliasTable();
  auto it = t.find(Key{cpp_name, field});
  return it == t.end() ? std::string_view() : it->second;
}

}  // namespace orch::apiserver::openapi
