// ConfigMap, Secret, Namespace, Node, Event, Lease, EndpointSlice, RBAC, quota and Eviction.

#include <gtest/gtest.h>

#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::createErrors;
using testing::defaulted;
using testing::hasError;
using testing::j;

TEST(ConfigMapTest, KeysAndSize) {
  auto errs = createErrors("", "ConfigMap", j(R"({"metadata": {"name": "c", "namespace": "d"},
      "data": {"good.key": "1", "bad/key": "2", "dup": "x"}, "binaryData": {"dup": "eA=="}})"));
  EXPECT_TRUE(hasError(errs,
                       "data[bad/key]: Invalid value: \"bad/key\": a valid config key must "
                       "consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name', "
                       " or 'KEY_NAME',  or 'key-name', regex used for validation is "
                       "'[-._a-zA-Z0-9]+')"));
  EXPECT_TRUE(hasError(errs,
                       "data[dup]: Invalid value: \"dup\": duplicate of key present in "
                       "binaryData"));
  Json big = {{"metadata", {{"name", "c"}, {"namespace", "d"}}},
              {"data", {{"a", std::string(1024 * 1024 + 1, 'x')}}}};
  EXPECT_TRUE(hasError(createErrors("", "ConfigMap", big),
                       "[]: Too long: may not be more than 1048576 bytes"));
}

TEST(ConfigMapTest, ImmutableData) {
  Json old = j(R"({"metadata": {"name": "c", "namespace": "d", "resourceVersion": "1"},
                   "immutable": true, "data": {"a": "1"}})");
  Json n = old;
  n["data"]["a"] = "2";
  auto errs = testing::rules("", "ConfigMap").validateUpdate(n, old);
  EXPECT_TRUE(hasError(errs, "data: Forbidden: field is immutable when `immutable` is set"));
  Json unset = old;
  unset["immutable"] = false;
  EXPECT_TRUE(hasError(testing::rules("", "ConfigMap").validateUpdate(unset, old),
                       "immutable: Forbidden: field is immutable when `immutable` is set"));
  Json mutableOld = old;
  mutableOld.erase("immutable");
  EXPECT_TRUE(testing::rules("", "ConfigMap").validateUpdate(n, mutableOld).empty());
}

TEST(SecretTest, TypeSpecificKeys) {
  auto tls = createErrors("", "Secret", j(R"({"metadata": {"name": "s", "namespace": "d"},
      "type": "kubernetes.io/tls", "data": {"tls.crt": "eA=="}})"));
  EXPECT_TRUE(hasError(tls, "data[tls.key]: Required value"));
  EXPECT_EQ(testing::find(tls, "data[tls.crt]"), nullptr);
  auto sa = createErrors("", "Secret", j(R"({"metadata": {"name": "s", "namespace": "d"},
      "type": "kubernetes.io/service-account-token"})"));
  EXPECT_TRUE(
      hasError(sa, "metadata.annotations[kubernetes.io/service-account.name]: Required value"));
  auto docker = createErrors("", "Secret", j(R"({"metadata": {"name": "s", "namespace": "d"},
      "type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "{"}})"));
  EXPECT_NE(testing::find(docker, "data[.dockerconfigjson]"), nullptr);
  Json old = defaulted("", "Secret", j(R"({"metadata": {"name": "s", "namespace": "d",
      "resourceVersion": "1"}, "data": {}})"));
  Json n = old;
  n["type"] = "kubernetes.io/tls";
  n["data"] = j(R"({"tls.crt": "eA==", "tls.key": "eA=="})");
  EXPECT_TRUE(hasError(testing::rules("", "Secret").validateUpdate(n, old),
                       "type: Invalid value: \"kubernetes.io/tls\": field is immutable"));
}

TEST(NamespaceTest, NameFinalizersStatus) {
  EXPECT_TRUE(createErrors("", "Namespace", j(R"({"metadata": {"name": "team-a"}})")).empty());
  EXPECT_NE(testing::find(createErrors("", "Namespace", j(R"({"metadata": {"name": "Team"}})")),
                          "metadata.name"),
            nullptr);
  Json old = defaulted("", "Namespace", j(R"({"metadata": {"name": "a"}})"));
  old["metadata"]["resourceVersion"] = "1";
  Json n = old;
  n["spec"]["finalizers"] = Json::array();
  EXPECT_TRUE(hasError(testing::rules("", "Namespace").validateUpdate(n, old),
                       "spec.finalizers: Forbidden: may only be changed through the finalize "
                       "subresource"));
  EXPECT_TRUE(validateNamespaceFinalize(n, old).empty());
  Json st = old;
  st["status"]["phase"] = "Terminating";
  EXPECT_TRUE(hasError(testing::rules("", "Namespace").validateStatusUpdate(st, old),
                       "status.Phase: Invalid value: \"Terminating\": may only be 'Active' if "
                       "`deletionTimestamp` is empty"));
}

TEST(NodeTest, CIDRsTaintsAndUpdate) {
  auto errs = createErrors("", "Node", j(R"({"metadata": {"name": "n1"},
      "spec": {"podCIDRs": ["10.244.0.0/33"],
               "taints": [{"key": "k", "effect": "Sometimes"}]}})"));
  EXPECT_TRUE(hasError(errs,
                       "spec.podCIDRs[0]: Invalid value: \"10.244.0.0/33\": must be a valid "
                       "CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"));
  EXPECT_TRUE(hasError(errs,
                       "metadata.taints[0].effect: Unsupported value: \"Sometimes\": "
                       "supported values: \"NoSchedule\", \"PreferNoSchedule\", "
                       "\"NoExecute\""));
  auto two = createErrors("", "Node", j(R"({"metadata": {"name": "n1"},
      "spec": {"podCIDRs": ["10.244.0.0/24", "10.245.0.0/24"]}})"));
  EXPECT_TRUE(hasError(two,
                       "spec.podCIDRs: Invalid value: []string{\"10.244.0.0/24\", "
                       "\"10.245.0.0/24\"}: may specify no more than one CIDR for each IP "
                       "family"));
  EXPECT_TRUE(createErrors("", "Node", j(R"({"metadata": {"name": "n1"},
      "spec": {"podCIDRs": ["10.244.0.0/24", "fd00:10:244::/64"]}})"))
                  .empty());
  Json old = defaulted("", "Node", j(R"({"metadata": {"name": "n1", "resourceVersion": "1"},
      "spec": {"podCIDR": "10.244.0.0/24"}})"));
  Json n = old;
  n["spec"]["podCIDR"] = "10.244.1.0/24";
  n["spec"]["podCIDRs"] = j(R"(["10.244.1.0/24"])");
  EXPECT_TRUE(hasError(testing::rules("", "Node").validateUpdate(n, old),
                       "spec.podCIDRs: Forbidden: node updates may not change podCIDR except from "
                       "\"\" to valid"));
}

TEST(EventTest, InvolvedObjectNamespace) {
  auto errs = createErrors("", "Event", j(R"({"metadata": {"name": "e", "namespace": "d"},
      "involvedObject": {"kind": "Pod", "name": "p", "namespace": "other"}})"));
  EXPECT_TRUE(hasError(errs,
                       "involvedObject.namespace: Invalid value: \"other\": does not match "
                       "event.namespace"));
  auto fresh = createErrors("", "Event", j(R"({"metadata": {"name": "e", "namespace": "d"},
      "involvedObject": {"kind": "Pod", "name": "p", "namespace": "d"},
      "eventTime": "2026-01-01T00:00:00.000000Z"})"));
  EXPECT_TRUE(hasError(fresh, "reportingComponent: Required value"));
  EXPECT_TRUE(hasError(fresh, "action: Required value"));
}

TEST(LeaseTest, Durations) {
  auto errs = createErrors("coordination.k8s.io", "Lease", j(R"({"metadata": {"name": "l",
      "namespace": "kube-node-lease"}, "spec": {"leaseDurationSeconds": 0, "leaseTransitions": -1,
      "preferredHolder": "x"}})"));
  EXPECT_TRUE(
      hasError(errs, "spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"));
  EXPECT_TRUE(hasError(errs,
                       "spec.leaseTransitions: Invalid value: -1: must be greater than or "
                       "equal to 0"));
  EXPECT_TRUE(hasError(errs,
                       "spec.preferredHolder: Forbidden: may only be specified if "
                       "`strategy` is defined"));
}

TEST(EndpointSliceTest, AddressTypesAndLimits) {
  auto errs = createErrors("discovery.k8s.io", "EndpointSlice", j(R"({"metadata": {"name": "e",
      "namespace": "d"}, "addressType": "IPv4", "endpoints": [{"addresses": ["fd00::1"]},
      {"addresses": []}], "ports": [{"port": 80, "protocol": "ICMP"}]})"));
  EXPECT_TRUE(hasError(errs,
                       "endpoints[0].addresses[0]: Invalid value: \"fd00::1\": must be a "
                       "valid IPv4 address"));
  EXPECT_TRUE(hasError(errs,
                       "endpoints[1].addresses: Required value: must contain at least 1 "
                       "address"));
  EXPECT_TRUE(hasError(errs,
                       "ports[0].protocol: Unsupported value: \"ICMP\": supported values: "
                       "\"SCTP\", \"TCP\", \"UDP\""));
  auto type = createErrors("discovery.k8s.io", "EndpointSlice", j(R"({"metadata": {"name": "e",
      "namespace": "d"}, "addressType": "IPv5"})"));
  EXPECT_TRUE(hasError(type,
                       "addressType: Unsupported value: \"IPv5\": supported values: "
                       "\"FQDN\", \"IPv4\", \"IPv6\""));
  Json many = {{"metadata", {{"name", "e"}, {"namespace", "d"}}}, {"addressType", "IPv4"}};
  many["endpoints"] = Json::array();
  for (int i = 0; i < 1001; ++i) many["endpoints"].push_back({{"addresses", {"10.0.0.1"}}});
  EXPECT_TRUE(hasError(createErrors("discovery.k8s.io", "EndpointSlice", many),
                       "endpoints: Too many: 1001: must have at most 1000 items"));
  Json old = defaulted("discovery.k8s.io", "EndpointSlice", j(R"({"metadata": {"name": "e",
      "namespace": "d", "resourceVersion": "1"}, "addressType": "IPv4"})"));
  Json n = old;
  n["addressType"] = "IPv6";
  EXPECT_TRUE(hasError(testing::rules("discovery.k8s.io", "EndpointSlice").validateUpdate(n, old),
                       "addressType: Invalid value: \"IPv6\": field is immutable"));
}

constexpr const char* kRbac = "rbac.authorization.k8s.io";

TEST(RbacTest, Rules) {
  auto errs = createErrors(kRbac, "Role", j(R"({"metadata": {"name": "r", "namespace": "d"},
      "rules": [{"apiGroups": [""]}, {"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]})"));
  EXPECT_TRUE(hasError(errs,
                       "rules[0].verbs: Required value: verbs must contain at least one "
                       "value"));
  EXPECT_TRUE(hasError(errs,
                       "rules[0].resources: Required value: resource rules must supply at "
                       "least one resource"));
  EXPECT_TRUE(hasError(errs,
                       "rules[1].nonResourceURLs: Invalid value: []string{\"/healthz\"}: "
                       "namespaced rules cannot apply to non-resource URLs"));
  EXPECT_TRUE(createErrors(kRbac, "ClusterRole", j(R"({"metadata": {"name": "system:x"},
      "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}]})"))
                  .empty());
}

TEST(RbacTest, BindingsAndRoleRefImmutable) {
  auto errs = createErrors(kRbac, "ClusterRoleBinding", j(R"({"metadata": {"name": "b"},
      "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "ServiceAccount", "name": "sa"}, {"kind": "Robot", "name": "x"}]})"));
  EXPECT_TRUE(hasError(errs,
                       "roleRef.kind: Unsupported value: \"Role\": supported values: "
                       "\"ClusterRole\""));
  EXPECT_TRUE(hasError(errs, "subjects[0].namespace: Required value"));
  EXPECT_TRUE(hasError(errs,
                       "subjects[1].kind: Unsupported value: \"Robot\": supported values: "
                       "\"ServiceAccount\", \"User\", \"Group\""));
  Json old = defaulted(kRbac, "RoleBinding", j(R"({"metadata": {"name": "b", "namespace": "d",
      "resourceVersion": "1"}, "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "User", "name": "alice"}]})"));
  EXPECT_TRUE(testing::rules(kRbac, "RoleBinding").validateCreate(old).empty());
  Json n = old;
  n["roleRef"]["name"] = "r2";
  EXPECT_TRUE(hasError(testing::rules(kRbac, "RoleBinding").validateUpdate(n, old),
                       "roleRef: Invalid value: rbac.RoleRef{APIGroup:\"rbac.authorization.k8s.io\""
                       ", Kind:\"Role\", Name:\"r2\"}: cannot change roleRef"));
}

TEST(QuotaTest, NegativeQuantitiesAndScopes) {
  auto errs = createErrors("", "ResourceQuota", j(R"({"metadata": {"name": "q", "namespace": "d"},
      "spec": {"hard": {"cpu": "-1"}, "scopes": ["Sometimes"]}})"));
  EXPECT_TRUE(hasError(errs,
                       "spec.hard[cpu]: Invalid value: \"-1\": must be greater than or "
                       "equal to 0"));
  EXPECT_NE(testing::find(errs, "spec.scopes"), nullptr);
  auto lr = createErrors("", "LimitRange", j(R"({"metadata": {"name": "l", "namespace": "d"},
      "spec": {"limits": [{"type": "Pod", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]}})"));
  EXPECT_TRUE(hasError(lr,
                       "spec.limits[0].min[cpu]: Invalid value: \"2\": min value 2 is greater "
                       "than max value 1"));
}

TEST(EvictionTest, DeleteOptions) {
  const KindRules& e = testing::rules("policy", "Eviction");
  EXPECT_TRUE(e.validateCreate(j(R"({"metadata": {"name": "p"}})")).empty());
  auto errs = e.validateCreate(j(R"({"deleteOptions": {"propagationPolicy": "Later",
                                                       "dryRun": ["Some"]}})"));
  EXPECT_TRUE(hasError(errs,
                       "propagationPolicy: Unsupported value: \"Later\": supported values: "
                       "\"Foreground\", \"Background\", \"Orphan\", \"nil\""));
  EXPECT_TRUE(hasError(errs,
                       "dryRun: Unsupported value: []string{\"Some\"}: supported values: "
                       "\"All\""));
}

TEST(KindRulesTest, Lookup) {
  EXPECT_NE(kindRulesFor("", "Pod"), nullptr);
  EXPECT_NE(kindRulesFor("apps", "Deployment"), nullptr);
  EXPECT_EQ(kindRulesFor("apps", "Pod"), nullptr);
  EXPECT_EQ(kindRulesFor("example.com", "Widget"), nullptr);
  for (const char* k : {"Namespace", "Pod", "Service", "Endpoints", "Node", "ConfigMap", "Secret",
                        "ServiceAccount", "Event", "ResourceQuota", "LimitRange", "Binding"}) {
    EXPECT_NE(kindRulesFor("", k), nullptr) << k;
  }
}

// Every kind: a minimal object defaults into one that validates, and defaulting is idempotent
// (the registry defaults on every write, including of objects it stored).
TEST(KindRulesTest, MinimalObjectsDefaultValidateAndAreStable) {
  struct Case {
    const char* group;
    const char* kind;
    const char* json;
  };
  const Case cases[] = {
      {"", "Pod", R"({"metadata": {"name": "p", "namespace": "d"},
                     "spec": {"containers": [{"name": "c", "image": "i"}]}})"},
      {"", "Service", R"({"metadata": {"name": "s", "namespace": "d"},
                         "spec": {"ports": [{"port": 80}]}})"},
      {"", "Endpoints", R"({"metadata": {"name": "s", "namespace": "d"}})"},
      {"", "Namespace", R"({"metadata": {"name": "n"}})"},
      {"", "ConfigMap", R"({"metadata": {"name": "c", "namespace": "d"}, "data": {"k": "v"}})"},
      {"", "Secret", R"({"metadata": {"name": "s", "namespace": "d"}})"},
      {"", "ServiceAccount", R"({"metadata": {"name": "default", "namespace": "d"}})"},
      {"", "ResourceQuota", R"({"metadata": {"name": "q", "namespace": "d"},
                               "spec": {"hard": {"pods": "10"}}})"},
      {"", "LimitRange", R"({"metadata": {"name": "l", "namespace": "d"},
                            "spec": {"limits": [{"type": "Container", "max": {"cpu": "1"}}]}})"},
      {"", "Node", R"({"metadata": {"name": "node-1"}})"},
      {"", "Event", R"({"metadata": {"name": "e.1", "namespace": "d"},
                       "involvedObject": {"kind": "Pod", "name": "p", "namespace": "d"}})"},
      {"apps", "Deployment", R"({"metadata": {"name": "d", "namespace": "d"},
          "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata":
          {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})"},
      {"apps", "ReplicaSet", R"({"metadata": {"name": "d", "namespace": "d"},
          "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata":
          {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})"},
      {"apps", "DaemonSet", R"({"metadata": {"name": "d", "namespace": "d"},
          "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata":
          {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}}})"},
      {"discovery.k8s.io", "EndpointSlice", R"({"metadata": {"name": "e", "namespace": "d"},
          "addressType": "IPv4", "endpoints": [{"addresses": ["10.0.0.1"]}],
          "ports": [{"port": 80}]})"},
      {"coordination.k8s.io", "Lease", R"({"metadata": {"name": "l", "namespace": "d"},
          "spec": {"holderIdentity": "a", "leaseDurationSeconds": 15}})"},
      {kRbac, "Role", R"({"metadata": {"name": "r", "namespace": "d"}, "rules": [
          {"verbs": ["get"], "apiGroups": [""], "resources": ["pods"]}]})"},
      {kRbac, "ClusterRole", R"({"metadata": {"name": "system:r"}})"},
      {kRbac, "RoleBinding", R"({"metadata": {"name": "b", "namespace": "d"},
          "roleRef": {"kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "Group", "name": "devs"}]})"},
      {kRbac, "ClusterRoleBinding", R"({"metadata": {"name": "b"},
          "roleRef": {"kind": "ClusterRole", "name": "view"},
          "subjects": [{"kind": "ServiceAccount", "name": "sa", "namespace": "d"}]})"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.group) + "/" + c.kind);
    Json once = defaulted(c.group, c.kind, j(c.json));
    auto errs = testing::rules(c.group, c.kind).validateCreate(once);
    EXPECT_TRUE(errs.empty()) << testing::dump(errs);
    EXPECT_EQ(defaulted(c.group, c.kind, once), once);
    // An update with nothing changed (but a resourceVersion) is valid too.
    Json stored = once;
    stored["metadata"]["resourceVersion"] = "1";
    auto upd = testing::rules(c.group, c.kind).validateUpdate(stored, stored);
    EXPECT_TRUE(upd.empty()) << testing::dump(upd);
  }
}

TEST(KindRulesTest, DecodeErrorsBecomeFieldErrors) {
  auto errs = testing::rules("apps", "Deployment")
                  .validateCreate(j(R"({"metadata": {"name": "d"}, "spec": {"replicas": "3"}})"));
  ASSERT_EQ(errs.size(), 1u);
  EXPECT_EQ(errs[0].toString(), "spec.replicas: Invalid value: expected integer, got string");
}

}  // namespace
}  // namespace orch::apiserver
