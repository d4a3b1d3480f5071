// Real kubectl driving orch-apiserver's resources: create, get in every output format,
// apply (client-side and server-side), patch, label, annotate, scale, watch, conflicts,
// field selectors, explain and delete.

#include <chrono>
#include <thread>

#include "common/base/file_util.h"
#include "tests/integration/apiserver/apiserver_fixture.h"

namespace orch::apiserver {
namespace {

class KubectlTest : public ApiserverTest {
 protected:
  void SetUp() override {
    ApiserverTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto d = startServer();
    ASSERT_TRUE(d.ok()) << d.status().message();
    server_.emplace(std::move(d).value());
  }

  // kubectl that must succeed; returns its stdout.
  std::string ok(std::vector<std::string> args) {
    RunResult r = kubectl(args);
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err << "\n" << serverLog();
    return r.out;
  }

  std::string manifest(const std::string& name, const std::string& text) {
    return tmp_.write(name, text);
  }

  std::optional<Daemon> server_;
};

const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.25
        ports:
        - containerPort: 80
)";

TEST_F(KubectlTest, CreateGetApplyPatchScaleDelete) {
  std::string dep = manifest("dep.yaml", kDeployment);
  EXPECT_NE(ok({"create", "-f", dep}).find("deployment.apps/web created"), std::string::npos);

  json obj = json::parse(ok({"get", "deployment", "web", "-o", "json"}));
  EXPECT_EQ(obj["spec"]["replicas"], 2);
  EXPECT_EQ(obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"], "IfNotPresent");
  EXPECT_NE(ok({"get", "deploy", "web", "-o", "yaml"}).find("revisionHistoryLimit: 10"),
            std::string::npos);
  std::string wide = ok({"get", "deployments", "-o", "wide"});
  EXPECT_NE(wide.find("CONTAINERS"), std::string::npos) << wide;
  EXPECT_NE(wide.find("nginx:1.25"), std::string::npos) << wide;

  // Client-side apply: the first adopts the object, the second changes nothing.
  EXPECT_NE(ok({"apply", "-f", dep}).find("configured"), std::string::npos);
  std::string rv1 = ok({"get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}"});
  EXPECT_NE(ok({"apply", "-f", dep}).find("unchanged"), std::string::npos);
  EXPECT_EQ(ok({"get", "deploy", "web", "-o", "jsonpath={.metadata.resourceVersion}"}), rv1);

  ok({"patch", "deployment", "web", "-p",
      R"({"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.26"}]}}}})"});
  ok({"patch", "deployment", "web", "--type", "merge", "-p",
      R"({"metadata":{"labels":{"patched":"yes"}}})"});
  ok({"patch", "deployment", "web", "--type", "json", "-p",
      R"([{"op":"add","path":"/metadata/annotations/j","value":"1"}])"});
  ok({"label", "deployment", "web", "tier=front"});
  ok({"annotate", "deployment", "web", "owner=team-a"});
  EXPECT_NE(ok({"scale", "deployment", "web", "--replicas=4"}).find("scaled"), std::string::npos);
  obj = json::parse(ok({"get", "deployment", "web", "-o", "json"}));
  EXPECT_EQ(obj["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1.26");
  EXPECT_EQ(obj["spec"]["template"]["spec"]["containers"].size(), 1u);
  EXPECT_EQ(obj["metadata"]["labels"]["patched"], "yes");
  EXPECT_EQ(obj["metadata"]["labels"]["tier"], "front");
  EXPECT_EQ(obj["metadata"]["annotations"]["owner"], "team-a");
  EXPECT_EQ(obj["metadata"]["annotations"]["j"], "1");
  EXPECT_EQ(obj["spec"]["replicas"], 4);
  EXPECT_EQ(obj["metadata"]["generation"], 3);  // image change, then replicas

  EXPECT_NE(ok({"delete", "-f", dep}).find("deleted"), std::string::npos);
  RunResult gone = kubectl({"get", "deployment", "web"});
  EXPECT_NE(gone.exit_code, 0);
  EXPECT_NE(gone.err.find("NotFound"), std::string::npos) << gone.err;
}

TEST_F(KubectlTest, ServerSideApplyTwiceIsANoOp) {
  std::string cm = manifest(
      "cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: \"1\"\n");
  EXPECT_NE(ok({"apply", "--server-side", "-f", cm}).find("serverside-applied"), std::string::npos);
  std::string rv = ok({"get", "cm", "cfg", "-o", "jsonpath={.metadata.resourceVersion}"});
  ok({"apply", "--server-side", "-f", cm});
  EXPECT_EQ(ok({"get", "cm", "cfg", "-o", "jsonpath={.metadata.resourceVersion}"}), rv);
  json obj = json::parse(ok({"get", "cm", "cfg", "-o", "json", "--show-managed-fields"}));
  EXPECT_EQ(obj["metadata"]["managedFields"][0]["manager"], "kubectl");
  EXPECT_EQ(obj["metadata"]["managedFields"][0]["operation"], "Apply");
}

TEST_F(KubectlTest, StaleReplaceIsAConflict) {
  ok({"create", "configmap", "cfg", "--from-literal=a=1"});
  std::string old = tmp_.write("old.json", ok({"get", "cm", "cfg", "-o", "json"}));
  ok({"label", "cm", "cfg", "changed=yes"});
  RunResult stale = kubectl({"replace", "-f", old});
  EXPECT_NE(stale.exit_code, 0);
  EXPECT_NE(stale.err.find("the object has been modified"), std::string::npos) << stale.err;
}

TEST_F(KubectlTest, FieldSelectorsAndWatch) {
  for (const char* p : {"a", "b"}) {
    std::string text = std::string("apiVersion: v1\nkind: Pod\nmetadata:\n  name: ") + p +
                       "\nspec:\n  nodeName: " + (std::string(p) == "a" ? "node-x" : "node-y") +
                       "\n  containers:\n  - name: c\n    image: busybox\n";
    ok({"create", "-f", manifest(std::string(p) + ".yaml", text)});
  }
  std::string on_x = ok({"get", "pods", "--field-selector", "spec.nodeName=node-x", "-o", "name"});
  EXPECT_EQ(on_x, "pod/a\n");
  std::string table = ok({"get", "pods"});
  EXPECT_NE(table.find("READY"), std::string::npos) << table;
  EXPECT_NE(table.find("Pending"), std::string::npos) << table;

  // kubectl get -w sees a change.
  auto watcher = Daemon::start({"ip", "netns", "exec", ns_->name(), "kubectl", "--kubeconfig",
                                pki() + "/" + kAdminKubeconfig, "--cache-dir",
                                tmp_.path() + "/kube-cache", "get", "pods", "-w", "-o", "name"},
                               tmp_.path() + "/watch.log");
  ASSERT_TRUE(watcher.ok()) << watcher.status().message();
  std::string log;
  for (int i = 0; i < 100 && log.find("pod/b") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = readFile(tmp_.path() + "/watch.log").valueOr("");
  }
  // The initial list printed each pod once; the change prints pod/a again.
  auto count_a = [&] {
    size_t n = 0;
    for (size_t at = log.find("pod/a"); at != std::string::npos; at = log.find("pod/a", at + 1))
      ++n;
    return n;
  };
  EXPECT_EQ(count_a(), 1u) << log;
  ok({"label", "pod", "a", "seen=yes"});
  for (int i = 0; i < 100 && count_a() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log = readFile(tmp_.path() + "/watch.log").valueOr("");
  }
  EXPECT_EQ(count_a(), 2u) << log;
}

TEST_F(KubectlTest, ExplainAndValidatedCreate) {
  std::string explain = ok({"explain", "pod.spec"});
  EXPECT_NE(explain.find("containers"), std::string::npos) << explain;
  // Strict validation (kubectl's default) rejects an unknown field, naming it.
  std::string bad =
      manifest("bad.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\nbogus: 1\n");
  RunResult r = kubectl({"create", "-f", bad});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("bogus"), std::string::npos) << r.err;
  EXPECT_NE(kubectl({"get", "cm", "bad"}).exit_code, 0);
}

}  // namespace
}  // namespace orch::apiserver
