// Durability of acknowledged writes: 16 clients create ConfigMaps over HTTPS as fast as they
// can, the apiserver is killed with SIGKILL mid-load and restarted on the same store, and every
// create that was answered 201 must still be there. On the embedded SQLite store (--data-dir),
// and on a real etcd started by the test inside the same private namespace.

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "common/client/http_client.h"
#include "common/client/kubeconfig.h"
#include "tests/integration/apiserver/apiserver_fixture.h"

namespace orch::apiserver {
namespace {

using namespace std::chrono_literals;

constexpr int kWriters = 16;
constexpr const char* kConfigMaps = "/api/v1/namespaces/default/configmaps";
constexpr const char* kEtcd = "/usr/bin/etcd";

std::string configMap(const std::string& name) {
  return json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}}},
              {"data", {{"payload", std::string(256, 'x')}}}}
      .dump();
}

class DurabilityTest : public ApiserverTest {
 protected:
  void SetUp() override {
    ApiserverTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto cfg = client::loadKubeconfig(pki() + "/" + kAdminKubeconfig);
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    admin_ = *cfg;
  }

  // The server as startServer() starts it, but on etcd at 127.0.0.1:2379 (in the namespace).
  Result<Daemon> startServerOnEtcd() {
    ORCH_ASSIGN_OR_RETURN(
        Daemon d,
        Daemon::start({"ip", "netns", "exec", ns_->name(), apiserverBinary(), "--pki-dir", pki(),
                       "--bind-address", "127.0.0.1", "--etcd-servers", "http://127.0.0.1:2379"},
                      tmp_.path() + "/apiserver.log"));
    ORCH_RETURN_IF_ERROR(
        ns_->run([] { return orch::testing::waitForTcpPort(kPort, std::chrono::seconds(20)); }));
    return d;
  }

  // One etcd member serving on 127.0.0.1:2379 inside the namespace, once it reports healthy.
  Result<Daemon> startEtcd() {
    const std::string peer = "http://127.0.0.1:2380";
    ORCH_ASSIGN_OR_RETURN(
        Daemon d,
        Daemon::start(
            {"ip", "netns", "exec", ns_->name(), kEtcd, "--name=orch-test",
             "--data-dir=" + tmp_.path() + "/etcd", "--listen-client-urls=http://127.0.0.1:2379",
             "--advertise-client-urls=http://127.0.0.1:2379", "--listen-peer-urls=" + peer,
             "--initial-advertise-peer-urls=" + peer, "--initial-cluster=orch-test=" + peer,
             "--initial-cluster-state=new"},
            tmp_.path() + "/etcd.log"));
    Status healthy = ns_->run([]() -> Status {
      ORCH_ASSIGN_OR_RETURN(auto http,
                            client::HttpClient::create({.server = "http://127.0.0.1:2379"}));
      Status last = Status::error(ETIMEDOUT, "etcd did not become healthy");
      for (int i = 0; i < 200; ++i) {
        auto res = http->request({.target = "/health"});
        if (res.ok() && res->status == 200 && res->body.find("true") != std::string::npos) {
          return Status::ok();
        }
        if (!res.ok()) last = res.status();
        std::this_thread::sleep_for(100ms);
      }
      return last;
    });
    ORCH_RETURN_IF_ERROR(healthy);
    return d;
  }

  // kWriters threads create ConfigMaps until `stop` or a transport error; returns the names of
  // the creates answered 201.
  std::set<std::string> writeUntilStopped(const std::atomic<bool>& stop) {
    std::mutex mu;
    std::set<std::string> acked;
    std::vector<std::thread> threads;
    for (int w = 0; w < kWriters; ++w) {
      threads.emplace_back([&, w] {
        Status st = ns_->run([&]() -> Status {
          ORCH_ASSIGN_OR_RETURN(auto http, client::HttpClient::create(admin_));
          for (int i = 0; !stop.load(); ++i) {
            std::string name = "cm-" + std::to_string(w) + "-" + std::to_string(i);
            auto res = http->request({.method = "POST",
                                      .target = kConfigMaps,
                                      .body = configMap(name),
                                      .contentType = "application/json"});
            if (!res.ok()) return res.status();  // the server is gone
            if (res->status == 201) {
              std::lock_guard l(mu);
              acked.insert(name);
            }
          }
          return Status::ok();
        });
        (void)st;  // a transport error is what the kill causes
      });
    }
    for (auto& t : threads) t.join();
    return acked;
  }

  // Writes under load, kills the server (SIGKILL) after about a second, restarts it with
  // `start` and checks every acknowledged create survived and a new write works.
  void crashAndRecover(Daemon& server, const std::function<Result<Daemon>()>& start) {
    std::atomic<bool> stop{false};
    std::set<std::string> acked;
    std::thread load([&] { acked = writeUntilStopped(stop); });
    std::this_thread::sleep_for(1s);
    Status killed = server.kill();
    stop = true;
    load.join();
    ASSERT_TRUE(killed.isOk()) << killed.message();
    ASSERT_GT(acked.size(), 0u) << "no create was acknowledged before the kill\n" << serverLog();
    RecordProperty("acknowledged_creates", static_cast<int>(acked.size()));

    auto restarted = start();
    ASSERT_TRUE(restarted.ok()) << restarted.status().message() << "\n" << serverLog();

    auto list = ns_->run([&]() -> Result<client::HttpResponse> {
      ORCH_ASSIGN_OR_RETURN(auto http, client::HttpClient::create(admin_));
      return http->request({.target = kConfigMaps});
    });
    ASSERT_TRUE(list.ok()) << list.status().message();
    ASSERT_EQ(list->status, 200) << list->body;
    json items = json::parse(list->body)["items"];
    std::set<std::string> present;
    for (const json& item : items) present.insert(item["metadata"]["name"].get<std::string>());
    size_t lost = 0;
    for (const std::string& name : acked) {
      if (present.count(name) == 0) {
        ++lost;
        ADD_FAILURE() << "acknowledged ConfigMap " << name << " is missing after the restart";
        if (lost > 10) break;
      }
    }
    EXPECT_EQ(lost, 0u) << "of " << acked.size() << " acknowledged creates";

    auto after = ns_->run([&]() -> Result<std::pair<int, int>> {
      ORCH_ASSIGN_OR_RETURN(auto http, client::HttpClient::create(admin_));
      ORCH_ASSIGN_OR_RETURN(auto created, http->request({.method = "POST",
                                                         .target = kConfigMaps,
                                                         .body = configMap("after-restart"),
                                                         .contentType = "application/json"}));
      ORCH_ASSIGN_OR_RETURN(auto got,
                            http->request({.target = std::string(kConfigMaps) + "/after-restart"}));
      return std::pair<int, int>{created.status, got.status};
    });
    ASSERT_TRUE(after.ok()) << after.status().message();
    EXPECT_EQ(after->first, 201);
    EXPECT_EQ(after->second, 200);
    (void)restarted->stop(std::chrono::seconds(20));
  }

  client::RestConfig admin_;
};

TEST_F(DurabilityTest, SqliteKeepsEveryAcknowledgedCreateAcrossKill9) {
  auto server = startServer();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();
  crashAndRecover(*server, [&] { return startServer(); });
}

TEST_F(DurabilityTest, EtcdKeepsEveryAcknowledgedCreateAcrossKill9) {
  if (::access(kEtcd, X_OK) != 0) GTEST_SKIP() << "needs etcd (Debian package etcd-server)";
  auto etcd = startEtcd();
  ASSERT_TRUE(etcd.ok()) << etcd.status().message();
  auto server = startServerOnEtcd();
  ASSERT_TRUE(server.ok()) << server.status().message() << "\n" << serverLog();
  crashAndRecover(*server, [&] { return startServerOnEtcd(); });
}

}  // namespace
}  // namespace orch::apiserver
