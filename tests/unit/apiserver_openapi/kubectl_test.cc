// The real kubectl against an in-process orch-apiserver transport serving discovery and the
// OpenAPI documents on 127.0.0.1: `kubectl explain` reads the v3 documents, and `kubectl
// create` / `kubectl apply` (default --validate=strict) see fieldValidation in them and leave
// validation to the server instead of asking for /openapi/v2.

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/base/file_util.h"
#include "common/base/process.h"
#include "controlplane/apiserver/discovery.h"
#include "controlplane/apiserver/openapi/openapi.h"
#include "controlplane/apiserver/pki_init.h"
#include "controlplane/apiserver/resources.h"
#include "controlplane/apiserver/server.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/apiserver/test_client.h"

namespace orch::apiserver {
namespace {

using nlohmann::json;
using orch::testing::TempDir;

// What the server saw, shared with the routes and the access-log hook.
struct Seen {
  std::mutex mu;
  std::vector<std::string> paths;    // every request path
  std::vector<std::string> creates;  // the query strings of pod creations
  std::string existing;              // the pod "web" when it exists (JSON)
  std::string patch_type, patch;     // the last PATCH of a pod
};

class KubectlOpenApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string pki = tmp_.path() + "/pki";
    ASSERT_TRUE(initPki(PkiInitOptions{.dir = pki}).isOk());
    auto read = [&](const char* name) {
      auto r = readFile(pki + "/" + name);
      EXPECT_TRUE(r.ok()) << name;
      return r.ok() ? *r : std::string();
    };
    ServerConfig cfg;
    cfg.bind_address = "127.0.0.1";
    cfg.port = 0;
    cfg.cert_pem = read(kServingCert);
    cfg.key_pem = read(kServingKey);
    cfg.client_ca_pem = read(kCaCert);
    auto seen = seen_;
    cfg.on_request = [seen](const Request& req, int) {
      std::lock_guard<std::mutex> lock(seen->mu);
      seen->paths.push_back(req.path);
    };

    auto router = std::make_shared<Router>();
    ASSERT_TRUE(addDiscoveryRoutes(*router).isOk());
    ASSERT_TRUE(addOpenApiRoutes(*router).isOk());
    // Stand-ins for the REST handlers: at most one pod exists; a created pod is echoed back,
    // a patch is recorded.
    ASSERT_TRUE(router
                    ->add("GET", "/api/v1/namespaces/{namespace}/pods/{name}",
                          [seen](const Request& req) -> Reply {
                            std::lock_guard<std::mutex> lock(seen->mu);
                            if (!seen->existing.empty()) return jsonResponse(200, seen->existing);
                            return errorResponse(404, "NotFound",
                                                 "pods \"" + req.param("name") + "\" not found");
                          })
                    .isOk());
    ASSERT_TRUE(router
                    ->add("PATCH", "/api/v1/namespaces/{namespace}/pods/{name}",
                          [seen](const Request& req) -> Reply {
                            std::lock_guard<std::mutex> lock(seen->mu);
                            seen->patch_type = req.header("content-type");
                            seen->patch = req.body;
                            return jsonResponse(200, seen->existing);
                          })
                    .isOk());
    ASSERT_TRUE(router
                    ->add("POST", "/api/v1/namespaces/{namespace}/pods",
                          [seen](const Request& req) -> Reply {
                            {
                              std::lock_guard<std::mutex> lock(seen->mu);
                              seen->creates.push_back(req.target);
                            }
                            return jsonResponse(201, req.body);
                          })
                    .isOk());
    server_ = std::make_unique<Server>(std::move(cfg), router);
    ASSERT_TRUE(server_->start().isOk());

    creds_ = {read(kCaCert), read(kAdminCert), read(kAdminKey)};
    kubeconfig_ =
        tmp_.write("kubeconfig",
                   renderKubeconfig("orch", "https://127.0.0.1:" + std::to_string(server_->port()),
                                    read(kCaCert), "admin", read(kAdminCert), read(kAdminKey)));
  }

  void TearDown() override {
    if (server_) server_->shutdown(std::chrono::seconds(5));
  }

  RunResult kubectl(std::vector<std::string> args) {
    ProcessOptions opts;
    opts.argv = {"kubectl", "--kubeconfig", kubeconfig_, "--cache-dir", tmp_.path() + "/cache"};
    opts.argv.insert(opts.argv.end(), args.begin(), args.end());
    opts.pipe_stdout = true;
    opts.pipe_stderr = true;
    auto r = runProcess(opts, "", std::chrono::seconds(60));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : RunResult{};
  }

  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> lock(seen_->mu);
    return seen_->paths;
  }

  TempDir tmp_;
  std::shared_ptr<Seen> seen_ = std::make_shared<Seen>();
  std::unique_ptr<Server> server_;
  std::string kubeconfig_;
  testing::ClientCreds creds_;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The HTTP side of the documents through the real transport: index, hash links, 304, 406.
TEST_F(KubectlOpenApiTest, ServesTheDocumentsOverHttps) {
  auto client = testing::TestClient::connect(server_->port(), creds_);
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto index = (*client)->request("GET", "/openapi/v3", {{"Accept", "application/json"}});
  ASSERT_TRUE(index.ok()) << index.status().message();
  ASSERT_EQ(index->status, 200);
  json j = json::parse(index->body);
  std::string url = j.at("paths").at("apis/apps/v1").at("serverRelativeURL");

  auto doc = (*client)->request("GET", url, {{"Accept", "application/json"}});
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->status, 200);
  EXPECT_EQ(doc->headers["content-type"], "application/json");
  EXPECT_EQ(doc->headers["cache-control"], "public, immutable");
  std::string etag = doc->headers["etag"];
  EXPECT_EQ(url, "/openapi/v3/apis/apps/v1?hash=" + etag.substr(1, etag.size() - 2));
  EXPECT_TRUE(json::parse(doc->body).at("paths").contains(
      "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"));

  auto again = (*client)->request("GET", "/openapi/v3/apis/apps/v1", {{"If-None-Match", etag}});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());

  auto moved = (*client)->request("GET", "/openapi/v3/apis/apps/v1?hash=0123");
  ASSERT_TRUE(moved.ok());
  EXPECT_EQ(moved->status, 301);
  EXPECT_EQ(moved->headers["location"], url);

  auto pb = (*client)->request(
      "GET", "/openapi/v2",
      {{"Accept", "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"}});
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ(pb->status, 406);
  auto v2 = (*client)->request("GET", "/openapi/v2", {{"Accept", "application/json"}});
  ASSERT_TRUE(v2.ok());
  EXPECT_EQ(v2->status, 200);
  EXPECT_EQ(json::parse(v2->body).at("swagger"), "2.0");
}

TEST_F(KubectlOpenApiTest, ExplainPodSpecContainers) {
  RunResult r = kubectl({"explain", "pods.spec.containers"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "KIND:       Pod")) << r.out;
  EXPECT_TRUE(contains(r.out, "VERSION:    v1")) << r.out;
  EXPECT_TRUE(contains(r.out, "FIELD: containers <[]Container>")) << r.out;
  EXPECT_TRUE(contains(r.out, "A single application container")) << r.out;
  for (const char* field :
       {"name\t<string> -required-", "image\t<string>", "command\t<[]string>",
        "ports\t<[]ContainerPort>", "env\t<[]EnvVar>", "resources\t<ResourceRequirements>",
        "livenessProbe\t<Probe>", "securityContext\t<SecurityContext>", "stdin\t<boolean>"}) {
    EXPECT_TRUE(contains(r.out, field)) << field << "\n" << r.out;
  }

  RunResult ports = kubectl({"explain", "pod.spec.containers.ports.containerPort"});
  ASSERT_EQ(ports.exit_code, 0) << ports.err;
  EXPECT_TRUE(contains(ports.out, "FIELD: containerPort <integer>")) << ports.out;

  RunResult missing = kubectl({"explain", "pods.spec.nosuchfield"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_TRUE(contains(missing.err, "nosuchfield")) << missing.err;
}

TEST_F(KubectlOpenApiTest, ExplainEveryServedResource) {
  for (const ResourceInfo& res : resources()) {
    std::string name = res.group.empty() ? res.plural : res.plural + "." + res.group;
    RunResult r = kubectl({"explain", name});
    EXPECT_EQ(r.exit_code, 0) << name << "\n" << r.err;
    EXPECT_TRUE(contains(r.out, "KIND:       " + res.kind + "\n")) << name << "\n" << r.out;
    EXPECT_TRUE(contains(r.out, "metadata\t<ObjectMeta>")) << name << "\n" << r.out;
  }
}

TEST_F(KubectlOpenApiTest, ExplainDeploymentSpecRecursive) {
  RunResult r = kubectl({"explain", "deployment.spec", "--recursive"});
  ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
  EXPECT_TRUE(contains(r.out, "GROUP:      apps")) << r.out;
  EXPECT_TRUE(contains(r.out, "KIND:       Deployment")) << r.out;
  EXPECT_TRUE(contains(r.out, "FIELD: spec <DeploymentSpec>")) << r.out;
  for (const char* line :
       {"  replicas\t<integer>\n", "  selector\t<LabelSelector> -required-\n",
        "    matchLabels\t<map[string]string>\n", "  strategy\t<DeploymentStrategy>\n",
        "      maxSurge\t<IntOrString>\n", "  template\t<PodTemplateSpec> -required-\n",
        "    metadata\t<ObjectMeta>\n", "      labels\t<map[string]string>\n",
        "      containers\t<[]Container> -required-\n", "        name\t<string> -required-\n",
        "        resources\t<ResourceRequirements>\n", "          limits\t<map[string]Quantity>\n",
        "          containerPort\t<integer> -required-\n",
        "        podAntiAffinity\t<PodAntiAffinity>\n"}) {
    EXPECT_TRUE(contains(r.out, line)) << line << r.out;
  }
}

TEST_F(KubectlOpenApiTest, CreateAndApplyLeaveValidationToTheServer) {
  const std::string manifest = tmp_.write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
spec:
  containers:
  - name: web
    image: nginx
    ports:
    - containerPort: 80
)");
  RunResult created = kubectl({"create", "-f", manifest});
  EXPECT_EQ(created.exit_code, 0) << created.err;
  EXPECT_TRUE(contains(created.out, "pod/web created")) << created.out;

  RunResult applied = kubectl({"apply", "-f", manifest});
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_TRUE(contains(applied.out, "pod/web created")) << applied.out;

  {
    std::lock_guard<std::mutex> lock(seen_->mu);
    ASSERT_EQ(seen_->creates.size(), 2u);
    for (const std::string& target : seen_->creates) {
      EXPECT_TRUE(contains(target, "fieldValidation=Strict")) << target;
    }
  }
  // kubectl found fieldValidation in the v3 document and never needed the v2 one.
  bool v3 = false;
  for (const std::string& p : paths()) {
    EXPECT_NE(p, "/openapi/v2");
    v3 = v3 || p.rfind("/openapi/v3/api/v1", 0) == 0;
  }
  EXPECT_TRUE(v3);
}

TEST_F(KubectlOpenApiTest, ApplyComputesTheStrategicMergePatchFromTheV3Schema) {
  const json original = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "web", "namespace": "default"},
      "spec": {"containers": [{"name": "web", "image": "nginx:1.0"},
                              {"name": "log", "image": "busybox"}]}})");
  json current = original;
  current["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"] =
      original.dump();
  current["metadata"]["uid"] = "uid-1";
  current["metadata"]["resourceVersion"] = "7";
  {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->existing = current.dump();
  }
  json modified = original;
  modified["spec"]["containers"][0]["image"] = "nginx:2.0";
  modified["spec"]["containers"][0]["env"] = json::array({{{"name", "A"}, {"value", "1"}}});
  const std::string manifest = tmp_.write("pod.json", modified.dump());

  // -v=5 shows kubectl's notes when the v3 schema cannot be used for the patch.
  RunResult applied = kubectl({"apply", "-f", manifest, "-v=5"});
  EXPECT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_TRUE(contains(applied.out, "pod/web configured")) << applied.out;
  EXPECT_FALSE(contains(applied.err, "OpenAPI V3")) << applied.err;
  EXPECT_FALSE(contains(applied.err, "openapi v3")) << applied.err;

  std::lock_guard<std::mutex> lock(seen_->mu);
  EXPECT_EQ(seen_->patch_type, "application/strategic-merge-patch+json");
  json patch = json::parse(seen_->patch, nullptr, false);
  ASSERT_FALSE(patch.is_discarded()) << seen_->patch;
  // containers merge by name: only the changed element, addressed by its key.
  EXPECT_EQ(patch["spec"]["$setElementOrder/containers"],
            json::parse(R"([{"name": "web"}, {"name": "log"}])"))
      << patch.dump();
  EXPECT_EQ(patch["spec"]["containers"], json::parse(R"([{"name": "web", "image": "nginx:2.0",
                             "env": [{"name": "A", "value": "1"}]}])"))
      << patch.dump();
}

}  // namespace
}  // namespace orch::apiserver
