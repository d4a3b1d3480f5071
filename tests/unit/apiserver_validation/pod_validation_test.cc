// Pod validation: create, update immutability, status update, Binding.

#include <gtest/gtest.h>

#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::createErrors;
using testing::defaulted;
using testing::hasError;
using testing::j;

Json pod(Json containers) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", "web"}, {"namespace", "default"}}},
          {"spec", {{"containers", std::move(containers)}}}};
}

TEST(PodValidationTest, ValidPodHasNoErrors) {
  auto errs = createErrors("", "Pod", j(R"({"metadata": {"name": "web", "namespace": "default"},
      "spec": {"volumes": [{"name": "data"}],
               "initContainers": [{"name": "init", "image": "busybox:1"},
                                  {"name": "sidecar", "image": "envoy:1",
                                   "restartPolicy": "Always",
                                   "readinessProbe": {"tcpSocket": {"port": 9901}}}],
               "containers": [{"name": "web", "image": "nginx:1.25",
                               "ports": [{"name": "http", "containerPort": 80}],
                               "env": [{"name": "A", "value": "1"}],
                               "volumeMounts": [{"name": "data", "mountPath": "/data"}],
                               "resources": {"requests": {"cpu": "100m"},
                                             "limits": {"cpu": "1"}},
                               "livenessProbe": {"httpGet": {"port": "http"}}}]}})"));
  EXPECT_TRUE(errs.empty()) << testing::dump(errs);
}

TEST(PodValidationTest, ContainersRequired) {
  auto errs = createErrors("", "Pod", pod(Json::array()));
  EXPECT_TRUE(hasError(errs, "spec.containers: Required value"));
}

TEST(PodValidationTest, ImageRequiredAndNameRules) {
  auto errs = createErrors("", "Pod", pod(j(R"([{"name": "Web"}, {"name": "b", "image": "x:1"},
                                               {"name": "b", "image": "x:1"}])")));
  EXPECT_TRUE(hasError(errs, "spec.containers[0].image: Required value"));
  EXPECT_TRUE(hasError(
      errs,
      "spec.containers[0].name: Invalid value: \"Web\": a lowercase RFC 1123 label must consist "
      "of lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
      "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
      "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"));
  EXPECT_TRUE(hasError(errs, "spec.containers[2].name: Duplicate value: \"b\""));
  // The 422 body the registry builds from these.
  Json st = invalidStatus("", "Pod", "web", errs);
  EXPECT_EQ(st["details"]["causes"][0]["field"], "spec.containers[0].name");
}

TEST(PodValidationTest, InitAndAppContainerNamesShareOneNamespace) {
  Json p = pod(j(R"([{"name": "a", "image": "x:1"}])"));
  p["spec"]["initContainers"] = j(R"([{"name": "a", "image": "x:1"}])");
  EXPECT_TRUE(
      hasError(createErrors("", "Pod", p), "spec.initContainers[0].name: Duplicate value: \"a\""));
}

TEST(PodValidationTest, Ports) {
  auto errs = createErrors("", "Pod", pod(j(R"([{"name": "c", "image": "x:1", "ports": [
      {"name": "http", "containerPort": 70000},
      {"name": "http", "containerPort": 81, "protocol": "ICMP"},
      {"name": "a-very-long-port-name", "containerPort": 82}]}])")));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].ports[0].containerPort: Invalid value: 70000: "
                       "must be between 1 and 65535, inclusive"));
  EXPECT_TRUE(hasError(errs, "spec.containers[0].ports[1].name: Duplicate value: \"http\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].ports[1].protocol: Unsupported value: \"ICMP\": "
                       "supported values: \"SCTP\", \"TCP\", \"UDP\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].ports[2].name: Invalid value: "
                       "\"a-very-long-port-name\": must be no more than 15 characters"));
}

TEST(PodValidationTest, PoliciesAndNames) {
  Json p = pod(j(R"([{"name": "c", "image": "x:1", "imagePullPolicy": "Sometimes"}])"));
  p["spec"]["restartPolicy"] = "Sometimes";
  p["spec"]["dnsPolicy"] = "Google";
  p["spec"]["nodeName"] = "Node_1";
  p["spec"]["hostname"] = "a.b";
  p["spec"]["activeDeadlineSeconds"] = 0;
  auto errs = createErrors("", "Pod", p);
  EXPECT_TRUE(hasError(errs,
                       "spec.restartPolicy: Unsupported value: \"Sometimes\": supported "
                       "values: \"Always\", \"OnFailure\", \"Never\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.dnsPolicy: Unsupported value: \"Google\": supported values: "
                       "\"ClusterFirst\", \"ClusterFirstWithHostNet\", \"None\", \"Default\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].imagePullPolicy: Unsupported value: "
                       "\"Sometimes\": supported values: \"Always\", \"IfNotPresent\", "
                       "\"Never\""));
  EXPECT_NE(testing::find(errs, "spec.nodeName"), nullptr);
  EXPECT_NE(testing::find(errs, "spec.hostname"), nullptr);
  EXPECT_TRUE(hasError(errs,
                       "spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and "
                       "2147483647, inclusive"));
}

TEST(PodValidationTest, Volumes) {
  Json p = pod(j(R"([{"name": "c", "image": "x:1", "volumeMounts": [
      {"name": "missing", "mountPath": "/a"}, {"name": "two", "mountPath": ""},
      {"name": "ok", "mountPath": "/b"}, {"name": "ok", "mountPath": "/b"}]}])"));
  p["spec"]["volumes"] = j(R"([{"name": "two", "emptyDir": {}, "hostPath": {"path": "/x"}},
                               {"name": "ok", "emptyDir": {}}, {"name": "ok", "emptyDir": {}},
                               {"name": "cm", "configMap": {"name": "c", "defaultMode": 1000}}])");
  auto errs = createErrors("", "Pod", p);
  EXPECT_TRUE(hasError(errs,
                       "spec.volumes[0].emptyDir: Forbidden: may not specify more than 1 "
                       "volume type"));
  EXPECT_TRUE(hasError(errs, "spec.volumes[2].name: Duplicate value: \"ok\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.volumes[3].configMap.defaultMode: Invalid value: 1000: must be "
                       "a number between 0 and 0777 (octal), both inclusive"));
  EXPECT_TRUE(hasError(errs, "spec.containers[0].volumeMounts[0].name: Not found: \"missing\""));
  // A volume that failed validation is not mountable either, as upstream.
  EXPECT_TRUE(hasError(errs, "spec.containers[0].volumeMounts[1].name: Not found: \"two\""));
  EXPECT_TRUE(hasError(errs, "spec.containers[0].volumeMounts[1].mountPath: Required value"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].volumeMounts[3].mountPath: Invalid value: \"/b\": "
                       "must be unique"));
}

TEST(PodValidationTest, ResourcesEnvProbes) {
  auto errs = createErrors("", "Pod", pod(j(R"([{"name": "c", "image": "x:1",
      "resources": {"requests": {"cpu": "2"}, "limits": {"cpu": "1"}},
      "env": [{"name": ""}, {"name": "A=B"},
              {"name": "X", "value": "v", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
              {"name": "Y", "valueFrom": {}}],
      "livenessProbe": {"successThreshold": 2},
      "readinessProbe": {"exec": {"command": ["true"]}, "tcpSocket": {"port": 1}}}])")));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].resources.requests: Invalid value: \"2\": must be "
                       "less than or equal to cpu limit of 1"));
  EXPECT_TRUE(hasError(errs, "spec.containers[0].env[0].name: Required value"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].env[1].name: Invalid value: \"A=B\": a valid "
                       "environment variable name must consist only of printable ASCII "
                       "characters other than '='"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].env[2].valueFrom: Invalid value: \"\": may not "
                       "be specified when `value` is not empty"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].env[3].valueFrom: Invalid value: \"\": must "
                       "specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                       "or `secretKeyRef`"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].livenessProbe: Required value: must specify a "
                       "handler type"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: "
                       "must be 1"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].readinessProbe.tcpSocket: Forbidden: may not "
                       "specify more than 1 handler type"));
}

TEST(PodValidationTest, InitContainerRestartPolicyAndProbes) {
  Json p = pod(j(R"([{"name": "c", "image": "x:1", "restartPolicy": "Always"}])"));
  p["spec"]["initContainers"] = j(R"([{"name": "i", "image": "x:1", "restartPolicy": "Never"},
      {"name": "j", "image": "x:1", "livenessProbe": {"exec": {"command": ["true"]}}}])");
  auto errs = createErrors("", "Pod", p);
  EXPECT_TRUE(hasError(errs,
                       "spec.initContainers[0].restartPolicy: Unsupported value: \"Never\": "
                       "supported values: \"Always\""));
  EXPECT_TRUE(hasError(errs,
                       "spec.initContainers[1].livenessProbe: Forbidden: may not be set for "
                       "init containers without restartPolicy=Always"));
  EXPECT_TRUE(hasError(errs,
                       "spec.containers[0].restartPolicy: Forbidden: may not be set for "
                       "non-init containers"));
}

TEST(PodValidationTest, Tolerations) {
  Json p = pod(j(R"([{"name": "c", "image": "x:1"}])"));
  p["spec"]["tolerations"] = j(R"([{"key": "k", "operator": "Exists", "value": "v"},
      {"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule",
       "tolerationSeconds": 5}, {"operator": "Equal"}])");
  auto errs = createErrors("", "Pod", p);
  EXPECT_TRUE(hasError(errs,
                       "spec.tolerations[0].operator: Invalid value: core.Toleration{Key:"
                       "\"k\", Operator:\"Exists\", Value:\"v\", Effect:\"\", "
                       "TolerationSeconds:(*int64)(nil)}: value must be empty when "
                       "`operator` is 'Exists'"));
  EXPECT_TRUE(hasError(errs,
                       "spec.tolerations[1].effect: Invalid value: \"NoSchedule\": effect "
                       "must be 'NoExecute' when `tolerationSeconds` is set"));
  EXPECT_TRUE(hasError(errs,
                       "spec.tolerations[2].operator: Invalid value: \"Equal\": operator "
                       "must be Exists when `key` is empty, which means \"match all values "
                       "and all keys\""));
}

Json storedPod() {
  Json p = defaulted("", "Pod", j(R"({"metadata": {"name": "web", "namespace": "default",
      "uid": "u1", "resourceVersion": "7", "creationTimestamp": "2026-01-02T03:04:05Z"},
      "spec": {"containers": [{"name": "web", "image": "nginx:1.24"}],
               "tolerations": [{"key": "a", "operator": "Exists"}]}})"));
  return p;
}

TEST(PodUpdateTest, MutableFieldsMayChange) {
  Json old = storedPod();
  Json n = old;
  n["spec"]["containers"][0]["image"] = "nginx:1.25";
  n["spec"]["activeDeadlineSeconds"] = 100;
  n["spec"]["tolerations"].push_back(j(R"({"key": "b", "operator": "Exists"})"));
  n["metadata"]["labels"] = j(R"({"x": "y"})");
  auto errs = testing::rules("", "Pod").validateUpdate(n, old);
  EXPECT_TRUE(errs.empty()) << testing::dump(errs);
}

TEST(PodUpdateTest, OtherSpecFieldsAreForbidden) {
  Json old = storedPod();
  Json n = old;
  n["spec"]["nodeName"] = "node-1";
  auto errs = testing::rules("", "Pod").validateUpdate(n, old);
  ASSERT_EQ(errs.size(), 1u) << testing::dump(errs);
  EXPECT_EQ(errs[0].field, "spec");
  EXPECT_EQ(errs[0].type, FieldError::Type::kForbidden);
  EXPECT_TRUE(errs[0].detail.starts_with(
      "pod updates may not change fields other than `spec.containers[*].image`,"
      "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
      "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
      "set to 1 if it was previously negative)\n"));
  EXPECT_NE(errs[0].detail.find("+ \tnodeName: \"node-1\""), std::string::npos) << errs[0].detail;
  // Removing a toleration is not an addition.
  Json r = old;
  r["spec"]["tolerations"] = Json::array();
  EXPECT_EQ(testing::rules("", "Pod").validateUpdate(r, old).size(), 1u);
}

TEST(PodUpdateTest, MetadataImmutable) {
  Json old = storedPod();
  Json n = old;
  n["metadata"]["uid"] = "u2";
  n["metadata"]["creationTimestamp"] = "2026-01-02T03:04:06Z";
  n["metadata"].erase("resourceVersion");
  auto errs = testing::rules("", "Pod").validateUpdate(n, old);
  EXPECT_TRUE(hasError(errs, "metadata.uid: Invalid value: \"u2\": field is immutable"));
  EXPECT_TRUE(hasError(errs,
                       "metadata.creationTimestamp: Invalid value: 2026-01-02 03:04:06 "
                       "+0000 UTC: field is immutable"));
  EXPECT_TRUE(hasError(errs,
                       "metadata.resourceVersion: Invalid value: \"\": must be specified "
                       "for an update"));
}

TEST(PodUpdateTest, NoNewFinalizersWhileDeleting) {
  Json old = storedPod();
  old["metadata"]["deletionTimestamp"] = "2026-01-02T03:05:00Z";
  old["metadata"]["deletionGracePeriodSeconds"] = 30;
  Json n = old;
  n["metadata"]["finalizers"] = j(R"(["example.com/b", "example.com/a"])");
  EXPECT_TRUE(hasError(testing::rules("", "Pod").validateUpdate(n, old),
                       "metadata.finalizers: Forbidden: no new finalizers can be added if the "
                       "object is being deleted, found new finalizers []string{\"example.com/a\", "
                       "\"example.com/b\"}"));
  Json removed = old;
  removed["metadata"].erase("deletionTimestamp");
  EXPECT_TRUE(hasError(testing::rules("", "Pod").validateUpdate(removed, old),
                       "metadata.deletionTimestamp: Invalid value: null: field is immutable"));
}

TEST(PodUpdateTest, ActiveDeadlineMayOnlyShrink) {
  Json old = storedPod();
  old["spec"]["activeDeadlineSeconds"] = 10;
  Json n = old;
  n["spec"]["activeDeadlineSeconds"] = 20;
  EXPECT_TRUE(hasError(testing::rules("", "Pod").validateUpdate(n, old),
                       "spec.activeDeadlineSeconds: Invalid value: 20: must be less than or "
                       "equal to previous value"));
}

TEST(PodStatusUpdateTest, PhaseConditionsIPs) {
  Json old = storedPod();
  Json n = old;
  n["status"] = j(R"({"phase": "Sleeping", "podIPs": [{"ip": "10.0.0.300"}],
      "conditions": [{"type": "Ready", "status": "Maybe"}]})");
  auto errs = testing::rules("", "Pod").validateStatusUpdate(n, old);
  EXPECT_TRUE(hasError(errs,
                       "status.phase: Unsupported value: \"Sleeping\": supported values: "
                       "\"Pending\", \"Running\", \"Succeeded\", \"Failed\", \"Unknown\""));
  EXPECT_TRUE(hasError(errs,
                       "status.conditions[0].status: Unsupported value: \"Maybe\": "
                       "supported values: \"True\", \"False\", \"Unknown\""));
  EXPECT_TRUE(hasError(errs,
                       "status.podIPs[0]: Invalid value: \"10.0.0.300\": must be a valid IP "
                       "address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
  Json ok = old;
  ok["status"] = j(R"({"phase": "Running", "podIP": "10.244.0.5",
                      "conditions": [{"type": "Ready", "status": "True"}]})");
  ok = defaulted("", "Pod", ok);
  EXPECT_EQ(ok["status"]["podIPs"], j(R"([{"ip": "10.244.0.5"}])"));
  EXPECT_TRUE(testing::rules("", "Pod").validateStatusUpdate(ok, old).empty());
}

TEST(BindingTest, TargetRules) {
  const KindRules& b = testing::rules("", "Binding");
  EXPECT_TRUE(b.validateCreate(j(R"({"target": {"kind": "Node", "name": "n1"}})")).empty());
  auto errs = b.validateCreate(j(R"({"target": {"kind": "Pod"}})"));
  EXPECT_TRUE(hasError(errs,
                       "target.kind: Unsupported value: \"Pod\": supported values: "
                       "\"Node\", \"<empty>\""));
  EXPECT_TRUE(hasError(errs, "target.name: Required value"));
}

}  // namespace
}  // namespace orch::apiserver
