// Defaulting per kind: a minimal object in, the object kube-apiserver stores out (before the
// registry's own fields such as uid, creationTimestamp, status.phase and allocated IPs).

#include <gtest/gtest.h>

#include "tests/unit/apiserver_validation/test_util.h"

namespace orch::apiserver {
namespace {

using testing::defaulted;
using testing::j;

TEST(DefaultsTest, MinimalPod) {
  Json got = defaulted("", "Pod", j(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"containers": [{"name": "web", "image": "nginx"}]}})"));
  Json want = j(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
      "spec": {
        "containers": [{"name": "web", "image": "nginx", "resources": {},
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}],
        "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst", "securityContext": {}, "schedulerName": "default-scheduler",
        "enableServiceLinks": true},
      "status": {}})");
  EXPECT_EQ(got, want) << Json::diff(want, got).dump(2);
}

TEST(DefaultsTest, PodContainersProbesVolumes) {
  Json got = defaulted("", "Pod", j(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {
        "serviceAccount": "builder",
        "volumes": [{"name": "cfg", "configMap": {"name": "c"}},
                    {"name": "sec", "secret": {"secretName": "s"}},
                    {"name": "host", "hostPath": {"path": "/var/log"}},
                    {"name": "scratch"}],
        "containers": [{
          "name": "web", "image": "nginx:1.25",
          "ports": [{"containerPort": 80}],
          "env": [{"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
          "resources": {"limits": {"cpu": "1", "memory": "128Mi"}},
          "livenessProbe": {"httpGet": {"port": 80}},
          "readinessProbe": {"tcpSocket": {"port": "http"}, "periodSeconds": 5}}]}})"));
  const Json& spec = got["spec"];
  EXPECT_EQ(spec["serviceAccountName"], "builder");
  EXPECT_EQ(spec["serviceAccount"], "builder");
  EXPECT_EQ(spec["volumes"][0]["configMap"], j(R"({"name": "c", "defaultMode": 420})"));
  EXPECT_EQ(spec["volumes"][1]["secret"], j(R"({"secretName": "s", "defaultMode": 420})"));
  EXPECT_EQ(spec["volumes"][2]["hostPath"], j(R"({"path": "/var/log", "type": ""})"));
  EXPECT_EQ(spec["volumes"][3], j(R"({"name": "scratch", "emptyDir": {}})"));
  const Json& c = spec["containers"][0];
  EXPECT_EQ(c["imagePullPolicy"], "IfNotPresent");
  EXPECT_EQ(c["ports"][0], j(R"({"containerPort": 80, "protocol": "TCP"})"));
  EXPECT_EQ(c["env"][0]["valueFrom"]["fieldRef"],
            j(R"({"apiVersion": "v1", "fieldPath": "metadata.name"})"));
  // A Pod (not a template) gets requests from limits.
  EXPECT_EQ(c["resources"], j(R"({"limits": {"cpu": "1", "memory": "128Mi"},
                                  "requests": {"cpu": "1", "memory": "128Mi"}})"));
  EXPECT_EQ(c["livenessProbe"],
            j(R"({"httpGet": {"path": "/", "port": 80, "scheme": "HTTP"}, "timeoutSeconds": 1,
                  "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3})"));
  EXPECT_EQ(c["readinessProbe"],
            j(R"({"tcpSocket": {"port": "http"}, "timeoutSeconds": 1, "periodSeconds": 5,
                  "successThreshold": 1, "failureThreshold": 3})"));
}

TEST(DefaultsTest, ImagePullPolicyFromTag) {
  auto policy = [](const char* image) {
    Json pod = {{"metadata", {{"name", "p"}}},
                {"spec", {{"containers", Json::array({{{"name", "c"}, {"image", image}}})}}}};
    return defaulted("", "Pod", pod)["spec"]["containers"][0]["imagePullPolicy"].get<std::string>();
  };
  EXPECT_EQ(policy("nginx"), "Always");
  EXPECT_EQ(policy("nginx:latest"), "Always");
  EXPECT_EQ(policy("localhost:5000/app"), "Always");
  EXPECT_EQ(policy("localhost:5000/app:v1"), "IfNotPresent");
  EXPECT_EQ(policy("nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
            "IfNotPresent");
  EXPECT_EQ(policy("nginx:1.25"), "IfNotPresent");
}

TEST(DefaultsTest, HostNetworkPodGetsHostPorts) {
  Json got = defaulted("", "Pod", j(R"({"metadata": {"name": "p"}, "spec": {"hostNetwork": true,
      "containers": [{"name": "c", "image": "i:1", "ports": [{"containerPort": 53}]}]}})"));
  EXPECT_EQ(got["spec"]["containers"][0]["ports"][0],
            j(R"({"containerPort": 53, "hostPort": 53, "protocol": "TCP"})"));
}

TEST(DefaultsTest, UnknownFieldsSurvive) {
  Json got = defaulted("", "Pod", j(R"({"metadata": {"name": "p"}, "spec": {
      "topologySpreadConstraints": [{"maxSkew": 1}],
      "containers": [{"name": "c", "image": "i:1", "futureField": {"x": 1}}]}})"));
  EXPECT_EQ(got["spec"]["topologySpreadConstraints"], j(R"([{"maxSkew": 1}])"));
  EXPECT_EQ(got["spec"]["containers"][0]["futureField"], j(R"({"x": 1})"));
}

TEST(DefaultsTest, WrongTypeIsEinvalNamingTheField) {
  Json pod = j(R"({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c",
      "ports": [{"containerPort": "80"}]}]}})");
  Status st = testing::rules("", "Pod").applyDefaults(pod);
  EXPECT_EQ(st.code(), EINVAL);
  EXPECT_EQ(st.context(),
            "spec.containers[0].ports[0].containerPort: expected integer, got string");
}

TEST(DefaultsTest, Service) {
  Json got = defaulted("", "Service", j(R"({"apiVersion": "v1", "kind": "Service",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})"));
  Json want = j(R"({"apiVersion": "v1", "kind": "Service",
      "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
      "spec": {"ports": [{"protocol": "TCP", "port": 80, "targetPort": 80}],
               "selector": {"app": "web"}, "type": "ClusterIP", "sessionAffinity": "None",
               "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster"},
      "status": {"loadBalancer": {}}})");
  EXPECT_EQ(got, want) << Json::diff(want, got).dump(2);
}

TEST(DefaultsTest, ServiceNodePortAndClientIP) {
  Json got = defaulted("", "Service", j(R"({"metadata": {"name": "web"},
      "spec": {"type": "LoadBalancer", "sessionAffinity": "ClientIP",
               "ports": [{"port": 443, "targetPort": "https", "protocol": "UDP"}]}})"));
  const Json& s = got["spec"];
  EXPECT_EQ(s["externalTrafficPolicy"], "Cluster");
  EXPECT_EQ(s["allocateLoadBalancerNodePorts"], true);
  EXPECT_EQ(s["sessionAffinityConfig"], j(R"({"clientIP": {"timeoutSeconds": 10800}})"));
  EXPECT_EQ(s["ports"][0], j(R"({"protocol": "UDP", "port": 443, "targetPort": "https"})"));
  Json ext = defaulted("", "Service", j(R"({"metadata": {"name": "x"},
      "spec": {"type": "ExternalName", "externalName": "example.com"}})"));
  EXPECT_FALSE(ext["spec"].contains("internalTrafficPolicy"));
  EXPECT_FALSE(ext["spec"].contains("ipFamilyPolicy"));
}

TEST(DefaultsTest, Deployment) {
  Json got = defaulted("apps", "Deployment", j(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"selector": {"matchLabels": {"app": "web"}},
               "template": {"metadata": {"labels": {"app": "web"}},
                            "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})"));
  Json want = j(R"({"apiVersion": "apps/v1", "kind": "Deployment",
      "metadata": {"name": "web", "namespace": "default", "creationTimestamp": null},
      "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
          "metadata": {"labels": {"app": "web"}, "creationTimestamp": null},
          "spec": {
            "containers": [{"name": "web", "image": "nginx", "resources": {},
                            "terminationMessagePath": "/dev/termination-log",
                            "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}],
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst", "securityContext": {},
            "schedulerName": "default-scheduler"}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600},
      "status": {}})");
  EXPECT_EQ(got, want) << Json::diff(want, got).dump(2);
}

TEST(DefaultsTest, ReplicaSetAndDaemonSet) {
  Json rs = defaulted("apps", "ReplicaSet", j(R"({"metadata": {"name": "r"}, "spec": {
      "template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}}})"));
  EXPECT_EQ(rs["spec"]["replicas"], 1);
  EXPECT_EQ(rs["spec"]["template"]["spec"]["restartPolicy"], "Always");
  Json ds = defaulted("apps", "DaemonSet", j(R"({"metadata": {"name": "d"}, "spec": {
      "template": {"spec": {"containers": [{"name": "c", "image": "i:1"}]}}}})"));
  EXPECT_EQ(
      ds["spec"]["updateStrategy"],
      j(R"({"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}})"));
  EXPECT_EQ(ds["spec"]["revisionHistoryLimit"], 10);
  Json ondelete = defaulted("apps", "DaemonSet", j(R"({"metadata": {"name": "d"}, "spec": {
      "updateStrategy": {"type": "OnDelete"}, "template": {"spec": {"containers": []}}}})"));
  EXPECT_EQ(ondelete["spec"]["updateStrategy"], j(R"({"type": "OnDelete"})"));
}

TEST(DefaultsTest, SecretTypeAndStringData) {
  Json got = defaulted("", "Secret", j(R"({"metadata": {"name": "s", "namespace": "d"},
      "data": {"a": "eA=="}, "stringData": {"b": "hello", "a": "y"}})"));
  EXPECT_EQ(got["type"], "Opaque");
  EXPECT_EQ(got["data"], j(R"({"a": "eQ==", "b": "aGVsbG8="})"));
  EXPECT_FALSE(got.contains("stringData"));
}

TEST(DefaultsTest, Namespace) {
  Json got = defaulted("", "Namespace", j(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "team-a"}})"));
  Json want = j(R"({"apiVersion": "v1", "kind": "Namespace",
      "metadata": {"name": "team-a", "creationTimestamp": null,
                   "labels": {"kubernetes.io/metadata.name": "team-a"}},
      "spec": {"finalizers": ["kubernetes"]},
      "status": {"phase": "Active"}})");
  EXPECT_EQ(got, want) << Json::diff(want, got).dump(2);
  // A stored namespace whose finalizer was removed does not get it back on update.
  Json stored = defaulted("", "Namespace", j(R"({"metadata": {"name": "team-a",
      "resourceVersion": "5", "uid": "u"}, "spec": {}, "status": {"phase": "Terminating"}})"));
  EXPECT_FALSE(stored["spec"].contains("finalizers"));
  EXPECT_EQ(stored["status"]["phase"], "Terminating");
}

TEST(DefaultsTest, EndpointSliceRbacLimitRangeNode) {
  Json es = defaulted("discovery.k8s.io", "EndpointSlice", j(R"({"metadata": {"name": "e"},
      "addressType": "IPv4", "endpoints": [], "ports": [{"port": 80}]})"));
  EXPECT_EQ(es["ports"][0], j(R"({"name": "", "protocol": "TCP", "port": 80})"));
  Json rb = defaulted("rbac.authorization.k8s.io", "RoleBinding", j(R"({"metadata": {"name": "b"},
      "roleRef": {"kind": "Role", "name": "r"},
      "subjects": [{"kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "sa",
                    "namespace": "d"}]})"));
  EXPECT_EQ(rb["roleRef"]["apiGroup"], "rbac.authorization.k8s.io");
  EXPECT_EQ(rb["subjects"][0]["apiGroup"], "rbac.authorization.k8s.io");
  EXPECT_FALSE(rb["subjects"][1].contains("apiGroup"));
  Json lr = defaulted("", "LimitRange", j(R"({"metadata": {"name": "l"}, "spec": {"limits": [
      {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}})"));
  EXPECT_EQ(lr["spec"]["limits"][0]["default"], j(R"({"cpu": "2"})"));
  EXPECT_EQ(lr["spec"]["limits"][0]["defaultRequest"], j(R"({"cpu": "2", "memory": "64Mi"})"));
  Json node = defaulted("", "Node", j(R"({"metadata": {"name": "n"},
      "spec": {"podCIDR": "10.244.1.0/24"}, "status": {"capacity": {"cpu": "4"}}})"));
  EXPECT_EQ(node["spec"]["podCIDRs"], j(R"(["10.244.1.0/24"])"));
  EXPECT_EQ(node["status"]["allocatable"], j(R"({"cpu": "4"})"));
}

}  // namespace
}  // namespace orch::apiserver
