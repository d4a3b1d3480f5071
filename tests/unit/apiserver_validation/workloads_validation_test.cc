// Service, Endpoints and apps/v1 validation, including the update immutability rules.

#include <gtest/gtest.h>

#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::createErrors;
using testing::defaulted;
using testing::hasError;
using testing::j;

Json svc(Json spec) {
  return {{"metadata", {{"name", "web"}, {"namespace", "default"}}}, {"spec", std::move(spec)}};
}

TEST(ServiceValidationTest, Valid) {
  EXPECT_TRUE(createErrors("", "Service", svc(j(R"({"selector": {"app": "web"},
      "ports": [{"name": "http", "port": 80, "targetPort": "http"},
                {"name": "https", "port": 443}]})")))
                  .empty());
  EXPECT_TRUE(createErrors("", "Service", svc(j(R"({"clusterIP": "None"})"))).empty());
  EXPECT_TRUE(createErrors("", "Service", svc(j(R"({"type": "ExternalName",
      "externalName": "db.example.com."})")))
                  .empty());
}

TEST(ServiceValidationTest, PortsAndNames) {
  auto errs = createErrors("", "Service", svc(j(R"({"ports": [{"port": 0},
      {"name": "a", "port": 80, "protocol": "HTTP"}]})")));
  EXPECT_TRUE(hasError(errs, "spec.ports[0].name: Required value"));
  EXPECT_TRUE(hasError(errs,
                       "spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, "
                       "inclusive"));
  EXPECT_TRUE(hasError(errs,
                       "spec.ports[1].protocol: Unsupported value: \"HTTP\": supported "
                       "values: \"SCTP\", \"TCP\", \"UDP\""));
  EXPECT_TRUE(hasError(createErrors("", "Service", svc(j(R"({"selector": {"a": "b"}})"))),
                       "spec.ports: Required value"));
  Json bad = svc(j(R"({"ports": [{"port": 80}]})"));
  bad["metadata"]["name"] = "1web";
  EXPECT_NE(testing::find(createErrors("", "Service", bad), "metadata.name"), nullptr);
}

TEST(ServiceValidationTest, TypeAffinityTrafficPolicyIPs) {
  auto errs = createErrors("", "Service", svc(j(R"({"type": "Magic", "ports": [{"port": 80}],
      "sessionAffinity": "ClientIP",
      "sessionAffinityConfig": {"clientIP": {"timeoutSeconds": 90000}},
      "clusterIP": "10.0.0.999", "externalTrafficPolicy": "Local"})")));
  EXPECT_TRUE(hasError(errs,
                       "spec.type: Unsupported value: \"Magic\": supported values: "
                       "\"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: "
                       "90000: must be greater than 0 and less than 86400"));
  EXPECT_TRUE(hasError(errs,
                       "spec.clusterIPs[0]: Invalid value: \"10.0.0.999\": must be a valid "
                       "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  EXPECT_TRUE(hasError(errs,
                       "spec.externalTrafficPolicy: Invalid value: \"Local\": may only be "
                       "set for externally-accessible services"));
  auto np = createErrors("", "Service", svc(j(R"({"ports": [{"port": 80, "nodePort": 30080}]})")));
  EXPECT_TRUE(hasError(np,
                       "spec.ports[0].nodePort: Forbidden: may not be used when `type` is "
                       "'ClusterIP'"));
}

TEST(ServiceUpdateTest, ClusterIPMayNotChange) {
  Json old = defaulted("", "Service", svc(j(R"({"ports": [{"port": 80}],
      "clusterIP": "10.96.0.10", "clusterIPs": ["10.96.0.10"], "ipFamilies": ["IPv4"]})")));
  old["metadata"]["resourceVersion"] = "3";
  Json n = old;
  n["spec"]["clusterIP"] = "10.96.0.11";
  n["spec"]["clusterIPs"] = j(R"(["10.96.0.11"])");
  auto errs = testing::rules("", "Service").validateUpdate(n, old);
  EXPECT_TRUE(hasError(errs,
                       "spec.clusterIPs[0]: Invalid value: []string{\"10.96.0.11\"}: may "
                       "not change once set"));
  Json same = old;
  same["spec"]["ports"][0]["port"] = 8080;
  same["spec"]["ports"][0]["targetPort"] = 8080;
  EXPECT_TRUE(testing::rules("", "Service").validateUpdate(same, old).empty());
}

TEST(ServiceValidationTest, ClusterIPsAndFamilies) {
  EXPECT_TRUE(createErrors("", "Service", svc(j(R"({"ports": [{"port": 80}],
      "clusterIPs": ["10.96.0.10", "fd00::10"], "ipFamilies": ["IPv4", "IPv6"],
      "ipFamilyPolicy": "RequireDualStack"})")))
                  .empty());
  auto same = createErrors("", "Service", svc(j(R"({"ports": [{"port": 80}],
      "clusterIPs": ["10.96.0.10", "10.96.0.11"]})")));
  EXPECT_TRUE(hasError(same,
                       "spec.clusterIPs: Invalid value: []string{\"10.96.0.10\", "
                       "\"10.96.0.11\"}: may specify no more than one IP for each IP "
                       "family"));
  auto fam = createErrors("", "Service", svc(j(R"({"ports": [{"port": 80}],
      "clusterIP": "fd00::10", "ipFamilies": ["IPv4", "IPv4"], "ipFamilyPolicy": "Both"})")));
  EXPECT_TRUE(hasError(fam, "spec.ipFamilies[1]: Duplicate value: \"IPv4\""));
  EXPECT_TRUE(hasError(fam,
                       "spec.ipFamilyPolicy: Unsupported value: \"Both\": supported values: "
                       "\"PreferDualStack\", \"RequireDualStack\", \"SingleStack\""));
  EXPECT_TRUE(hasError(fam,
                       "spec.clusterIPs[0]: Invalid value: \"fd00::10\": expected an IPv4 "
                       "value as indicated by `ipFamilies[0]`"));
  auto mismatch = testing::rules("", "Service").validateCreate(svc(j(R"({"ports": [{"port": 80,
      "protocol": "TCP", "targetPort": 80}], "type": "ClusterIP", "sessionAffinity": "None",
      "internalTrafficPolicy": "Cluster", "clusterIP": "10.96.0.1",
      "clusterIPs": ["10.96.0.2"]})")));
  EXPECT_TRUE(hasError(mismatch,
                       "spec.clusterIPs: Invalid value: []string{\"10.96.0.2\"}: first "
                       "value must match `clusterIP`"));
  auto ext = testing::rules("", "Service").validateCreate(svc(j(R"({"type": "ExternalName",
      "externalName": "x.example.com", "sessionAffinity": "None", "clusterIPs": ["10.0.0.1"],
      "ipFamilyPolicy": "SingleStack"})")));
  EXPECT_TRUE(
      hasError(ext, "spec.clusterIPs: Forbidden: may not be set for ExternalName services"));
  EXPECT_TRUE(hasError(ext,
                       "spec.ipFamilyPolicy: Forbidden: may not be set for ExternalName "
                       "services"));
}

TEST(ServiceUpdateTest, ReleasingSecondaryNeedsSingleStack) {
  Json old = defaulted("", "Service", svc(j(R"({"ports": [{"port": 80}],
      "clusterIPs": ["10.96.0.10", "fd00::10"], "ipFamilies": ["IPv4", "IPv6"],
      "ipFamilyPolicy": "PreferDualStack"})")));
  old["metadata"]["resourceVersion"] = "3";
  Json n = old;
  n["spec"]["clusterIPs"] = j(R"(["10.96.0.10"])");
  n["spec"]["ipFamilies"] = j(R"(["IPv4"])");
  auto errs = testing::rules("", "Service").validateUpdate(n, old);
  EXPECT_TRUE(hasError(errs,
                       "spec.ipFamilyPolicy: Invalid value: \"PreferDualStack\": must be set "
                       "to 'SingleStack' when releasing the secondary clusterIP"));
  n["spec"]["ipFamilyPolicy"] = "SingleStack";
  EXPECT_TRUE(testing::rules("", "Service").validateUpdate(n, old).empty());
  // Any type change to or from ExternalName drops the IP rules.
  Json ext = old;
  ext["spec"] = j(R"({"type": "ExternalName", "externalName": "x.example.com",
                      "sessionAffinity": "None"})");
  EXPECT_TRUE(testing::rules("", "Service").validateUpdate(ext, old).empty());
}

TEST(EndpointsValidationTest, AddressesAndPorts) {
  auto errs = createErrors("", "Endpoints", j(R"({"metadata": {"name": "web", "namespace": "d"},
      "subsets": [{"addresses": [{"ip": "bad"}], "ports": [{"port": 80}, {"port": 81}]}]})"));
  EXPECT_TRUE(hasError(errs,
                       "subsets[0].addresses[0].ip: Invalid value: \"bad\": must be a valid "
                       "IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  EXPECT_TRUE(hasError(errs, "subsets[0].ports[0].name: Required value"));
}

Json deployment() {
  return j(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})");
}

TEST(DeploymentValidationTest, Valid) {
  auto errs = createErrors("apps", "Deployment", deployment());
  EXPECT_TRUE(errs.empty()) << testing::dump(errs);
}

TEST(DeploymentValidationTest, SelectorTemplateReplicasStrategy) {
  Json d = deployment();
  d["spec"]["template"]["metadata"]["labels"] = j(R"({"app": "other"})");
  d["spec"]["template"]["spec"]["restartPolicy"] = "Never";
  d["spec"]["replicas"] = -1;
  d["spec"]["strategy"] = j(R"({"type": "RollingUpdate",
                                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}})");
  auto errs = createErrors("apps", "Deployment", d);
  EXPECT_TRUE(
      hasError(errs, "spec.replicas: Invalid value: -1: must be greater than or equal to 0"));
  EXPECT_TRUE(hasError(errs,
                       "spec.template.metadata.labels: Invalid value: "
                       "map[string]string{\"app\":\"other\"}: `selector` does not match "
                       "template `labels`"));
  EXPECT_TRUE(hasError(errs,
                       "spec.template.spec.restartPolicy: Unsupported value: \"Never\": "
                       "supported values: \"Always\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may "
                       "not be 0 when `maxSurge` is 0"));
  Json nosel = deployment();
  nosel["spec"].erase("selector");
  EXPECT_TRUE(hasError(createErrors("apps", "Deployment", nosel), "spec.selector: Required value"));
  Json empty = deployment();
  empty["spec"]["selector"] = Json::object();
  EXPECT_TRUE(hasError(createErrors("apps", "Deployment", empty),
                       "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]"
                       "string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty "
                       "selector is invalid for deployment"));
  Json pct = deployment();
  pct["spec"]["strategy"] = j(R"({"rollingUpdate": {"maxUnavailable": "150%"}})");
  EXPECT_TRUE(hasError(createErrors("apps", "Deployment", pct),
                       "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 150%: must not "
                       "be greater than 100%"));
}

TEST(DeploymentValidationTest, OverflowingPercentIsOver100) {
  Json d = deployment();
  d["spec"]["strategy"] = j(R"({"rollingUpdate": {"maxUnavailable": "99999999999%"}})");
  EXPECT_TRUE(hasError(createErrors("apps", "Deployment", d),
                       "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 99999999999%: "
                       "must not be greater than 100%"));
}

TEST(DeploymentUpdateTest, SelectorImmutableReplicasMutable) {
  Json old = defaulted("apps", "Deployment", deployment());
  old["metadata"]["resourceVersion"] = "9";
  Json scaled = old;
  scaled["spec"]["replicas"] = 5;
  scaled["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:2";
  EXPECT_TRUE(testing::rules("apps", "Deployment").validateUpdate(scaled, old).empty());
  Json n = old;
  n["spec"]["selector"]["matchLabels"]["app"] = "web2";
  n["spec"]["template"]["metadata"]["labels"]["app"] = "web2";
  auto errs = testing::rules("apps", "Deployment").validateUpdate(n, old);
  EXPECT_TRUE(hasError(errs,
                       "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:"
                       "map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1."
                       "LabelSelectorRequirement(nil)}: field is immutable"));
}

TEST(DeploymentStatusTest, Counts) {
  Json old = defaulted("apps", "Deployment", deployment());
  old["metadata"]["resourceVersion"] = "9";
  Json n = old;
  n["status"] = j(R"({"replicas": 1, "readyReplicas": 2, "availableReplicas": 1})");
  auto errs = testing::rules("apps", "Deployment").validateStatusUpdate(n, old);
  EXPECT_TRUE(hasError(errs,
                       "status.readyReplicas: Invalid value: 2: cannot be greater than "
                       "status.replicas"));
}

TEST(ReplicaSetAndDaemonSetTest, Rules) {
  Json rs = deployment();
  rs["kind"] = "ReplicaSet";
  rs["spec"].erase("selector");
  EXPECT_TRUE(hasError(createErrors("apps", "ReplicaSet", rs), "spec.selector: Required value"));
  Json ds = deployment();
  ds["kind"] = "DaemonSet";
  ds["spec"]["updateStrategy"] = j(R"({"type": "RollingUpdate",
                                       "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 1}})");
  EXPECT_TRUE(hasError(createErrors("apps", "DaemonSet", ds),
                       "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be "
                       "set when maxUnavailable is non-zero"));
  Json ok = deployment();
  ok["kind"] = "DaemonSet";
  EXPECT_TRUE(createErrors("apps", "DaemonSet", ok).empty());
}

TEST(ScaleTest, Replicas) {
  const KindRules& s = testing::rules("autoscaling", "Scale");
  EXPECT_TRUE(s.validateUpdate(j(R"({"metadata": {"name": "web", "namespace": "d"},
                                     "spec": {"replicas": 3}})"),
                               Json())
                  .empty());
  EXPECT_TRUE(hasError(s.validateUpdate(j(R"({"metadata": {"name": "web", "namespace": "d"},
                                              "spec": {"replicas": -2}})"),
                                        Json()),
                       "spec.replicas: Invalid value: -2: must be greater than or equal to 0"));
}

}  // namespace
}  // namespace orch::apiserver
