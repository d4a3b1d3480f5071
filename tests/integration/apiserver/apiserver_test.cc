// The real orch-apiserver binary, set up with `orch-apiserver init`, answering the real
// kubectl, inside a private network namespace (loopback only).

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/client/http_client.h"
#include "common/client/kubeconfig.h"
#include "common/pki/x509.h"
#include "controlplane/apiserver/pki_init.h"
#include "tests/integration/apiserver/apiserver_fixture.h"
#include "tests/support/daemon.h"
#include "tests/support/netns/netns_fixture.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/apiserver/test_client.h"

namespace orch::apiserver {
namespace {

TEST_F(ApiserverTest, KubectlVersionApiResourcesAndApiVersions) {
  auto server = startServer();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();

  RunResult version = kubectl({"version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_NE(version.out.find("Server Version: v1.30.0-orch"), std::string::npos) << version.out;

  RunResult resources = kubectl({"api-resources", "--no-headers"});
  EXPECT_EQ(resources.exit_code, 0) << resources.err;
  // NAME SHORTNAMES APIVERSION NAMESPACED KIND, as kubectl prints them.
  for (const char* row :
       {"pods po v1 true Pod", "services svc v1 true Service", "nodes no v1 false Node",
        "namespaces ns v1 false Namespace", "configmaps cm v1 true ConfigMap",
        "secrets v1 true Secret", "events ev v1 true Event",
        "resourcequotas quota v1 true ResourceQuota", "deployments deploy apps/v1 true Deployment",
        "replicasets rs apps/v1 true ReplicaSet", "daemonsets ds apps/v1 true DaemonSet",
        "endpointslices discovery.k8s.io/v1 true EndpointSlice",
        "leases coordination.k8s.io/v1 true Lease",
        "clusterroles rbac.authorization.k8s.io/v1 false ClusterRole"}) {
    std::string wanted = row;
    bool found = false;
    std::istringstream lines(resources.out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string joined, w;
      while (words >> w) joined += (joined.empty() ? "" : " ") + w;
      found = found || joined == wanted;
    }
    EXPECT_TRUE(found) << "missing row: " << wanted << "\n" << resources.out;
  }

  RunResult all = kubectl({"api-resources", "--categories=all", "-o", "name"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  for (const char* name :
       {"pods", "services", "deployments.apps", "replicasets.apps", "daemonsets.apps"}) {
    EXPECT_NE(all.out.find(name), std::string::npos) << name << "\n" << all.out;
  }
  EXPECT_EQ(all.out.find("configmaps"), std::string::npos) << all.out;

  RunResult versions = kubectl({"api-versions"});
  EXPECT_EQ(versions.exit_code, 0) << versions.err;
  for (const char* gv : {"v1", "apps/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1",
                         "rbac.authorization.k8s.io/v1"}) {
    EXPECT_NE(versions.out.find(std::string(gv) + "\n"), std::string::npos) << gv << "\n"
                                                                            << versions.out;
  }

  // SIGTERM: a clean, zero exit.
  auto st = server->stop(std::chrono::seconds(20));
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(WIFEXITED(*st) && WEXITSTATUS(*st) == 0) << serverLog();
}

// common/client's HTTPS path against a real TLS server: the admin kubeconfig's client
// certificate, a static token, and a CA that does not match.
TEST_F(ApiserverTest, CommonClientSpeaksTlsWithKubeconfigCredentials) {
  auto server = startServer();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();
  auto admin = client::loadKubeconfig(pki() + "/" + kAdminKubeconfig);
  ASSERT_TRUE(admin.ok()) << admin.status().message();

  auto get = [&](const client::RestConfig& cfg, const std::string& target) {
    return ns_->run([&]() -> Result<client::HttpResponse> {
      ORCH_ASSIGN_OR_RETURN(auto http, client::HttpClient::create(cfg));
      client::HttpRequest req;
      req.target = target;
      return http->request(req);
    });
  };

  auto api = get(*admin, "/api");
  ASSERT_TRUE(api.ok()) << api.status().message();
  EXPECT_EQ(api->status, 200);
  EXPECT_NE(api->body.find("\"v1\""), std::string::npos) << api->body;

  client::RestConfig by_token = *admin;
  by_token.clientCertData.clear();
  by_token.clientKeyData.clear();
  by_token.token = "tok-ci";
  auto groups = get(by_token, "/apis");
  ASSERT_TRUE(groups.ok()) << groups.status().message();
  EXPECT_EQ(groups->status, 200);

  by_token.token = "wrong";
  auto refused = get(by_token, "/apis");
  ASSERT_TRUE(refused.ok()) << refused.status().message();
  EXPECT_EQ(refused->status, 401);

  auto other_ca = pki::createCa("someone-else");
  ASSERT_TRUE(other_ca.ok());
  client::RestConfig wrong_ca = *admin;
  wrong_ca.caData = other_ca->cert_pem;
  EXPECT_FALSE(get(wrong_ca, "/api").ok());
}

TEST_F(ApiserverTest, StaticTokenWorksAndAnonymousIsRefused) {
  auto server = startServer();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();

  std::string token_kubeconfig = tmp_.write("token.kubeconfig",
                                            "apiVersion: v1\n"
                                            "kind: Config\n"
                                            "clusters:\n"
                                            "- name: c\n"
                                            "  cluster:\n"
                                            "    server: https://127.0.0.1:6443\n"
                                            "    certificate-authority: " +
                                                pki() + "/ca.crt\n" +
                                                "users:\n"
                                                "- name: u\n"
                                                "  user:\n"
                                                "    token: tok-ci\n"
                                                "contexts:\n"
                                                "- name: x\n"
                                                "  context: {cluster: c, user: u}\n"
                                                "current-context: x\n");
  RunResult raw = kubectl({"get", "--raw", "/apis/apps/v1"}, token_kubeconfig);
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  json list = json::parse(raw.out);
  EXPECT_EQ(list["kind"], "APIResourceList");
  EXPECT_EQ(list["groupVersion"], "apps/v1");

  // No credentials at all: 401 with a metav1.Status.
  auto ca = readFile(pki() + "/ca.crt");
  ASSERT_TRUE(ca.ok());
  auto client = ns_->run([&] { return testing::TestClient::connect(kPort, {*ca, "", ""}); });
  ASSERT_TRUE(client.ok()) << client.status().message();
  auto res = (*client)->request("GET", "/api");
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 401);
  json status = json::parse(res->body);
  EXPECT_EQ(status["kind"], "Status");
  EXPECT_EQ(status["reason"], "Unauthorized");

  // A wrong token is refused the same way, through kubectl.
  auto text = readFile(token_kubeconfig);
  ASSERT_TRUE(text.ok());
  std::string wrong = *text;
  wrong.replace(wrong.find("tok-ci"), 6, "nope");
  RunResult refused = kubectl({"get", "--raw", "/version"}, tmp_.write("bad.kubeconfig", wrong));
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("Unauthorized"), std::string::npos) << refused.err;
}

TEST_F(ApiserverTest, ClientTrustingAnotherCaFailsTls) {
  auto server = startServer();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();
  // A second PKI: its kubeconfig trusts another CA (and holds a certificate from it).
  std::string other = tmp_.path() + "/other";
  auto init = orch::testing::runCommand({apiserverBinary(), "init", "--pki-dir", other});
  ASSERT_TRUE(init.ok());
  ASSERT_EQ(init->exit_code, 0) << init->err;
  RunResult r = kubectl({"get", "--raw", "/version"}, other + "/" + kAdminKubeconfig);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("x509"), std::string::npos) << r.err;
}

TEST_F(ApiserverTest, InitRefusesToReplaceTheCa) {
  auto again = orch::testing::runCommand({apiserverBinary(), "init", "--pki-dir", pki()});
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->exit_code, 0);
  EXPECT_NE(again->err.find("--force"), std::string::npos) << again->err;
  auto forced =
      orch::testing::runCommand({apiserverBinary(), "init", "--pki-dir", pki(), "--force"});
  ASSERT_TRUE(forced.ok());
  EXPECT_EQ(forced->exit_code, 0) << forced->err;
}

}  // namespace
}  // namespace orch::apiserver
