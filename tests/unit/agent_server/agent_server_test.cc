#include "agent/server/agent_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <thread>

#include "common/api/codec.h"
#include "common/api/time.h"
#include "common/base/file_util.h"
#include "common/base/process.h"
#include "common/client/http_client.h"
#include "common/pki/x509.h"
#include "tests/fakes/fake_clock.h"
#include "tests/support/temp_dir.h"

namespace orch::agent {
namespace {

using namespace std::chrono_literals;
using client::HttpClient;
using client::HttpRequest;

constexpr auto kWait = 20s;  // bound for waits on events, never hit

std::string criLine(const std::string& time, const std::string& text,
                    const std::string& stream = "stdout") {
  return time + " " + stream + " F " + text + "\n";
}

class AgentServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = dir_.write("pods/default_web_u1/app/0.log",
                           criLine("2024-05-06T07:08:01Z", "first") +
                               criLine("2024-05-06T07:08:02Z", "oops", "stderr"));
    prev_path_ = dir_.write("pods/default_web_u1/app/1.log", "");  // unused
  }

  void start(AgentServerConfig cfg = {}) {
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.healthz_port = 0;
    cfg.hostname = "node-1";
    cfg.log_poll_interval = 5ms;
    cfg.clock = &clock_;
    auto pods = [] {
      api::List<api::Pod> list;
      api::Pod p;
      p.metadata.name = "web";
      p.metadata.namespace_ = "default";
      p.metadata.uid = "u1";
      p.spec.nodeName = "node-1";
      list.items.push_back(p);
      return list;
    };
    auto logs = [this](const ContainerLogRef& ref) -> Result<ContainerLogSource> {
      if (ref.namespace_ != "default" || ref.pod != "web") {
        return Status::notFound("pod \"" + ref.pod + "\" does not exist");
      }
      if (ref.container == "gone") return ContainerLogSource{dir_.path() + "/missing.log", {}};
      if (ref.container != "app") {
        return Status::notFound("container \"" + ref.container + "\" not found in pod \"web\"");
      }
      if (ref.previous) return Status::invalid("previous terminated container \"app\" not found");
      return ContainerLogSource{log_path_, [this] { return running_.load(); }};
    };
    server_ = std::make_unique<AgentServer>(std::move(cfg), pods, logs);
    Status st = server_->start();
    ASSERT_TRUE(st.isOk()) << st.message();
  }

  std::unique_ptr<HttpClient> httpsClient(const std::string& cert = "",
                                          const std::string& key = "") {
    client::RestConfig rc;
    rc.server = "https://127.0.0.1:" + std::to_string(server_->port());
    rc.caData = server_->certificatePem();  // verifies the self-signed certificate (IP SAN)
    rc.clientCertData = cert;
    rc.clientKeyData = key;
    auto c = HttpClient::create(rc);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return std::move(c).value();
  }

  client::HttpResponse get(const std::string& target, HttpClient* c = nullptr) {
    std::unique_ptr<HttpClient> own;
    if (c == nullptr) {
      own = httpsClient();
      c = own.get();
    }
    auto r = c->request(HttpRequest{.target = target});
    EXPECT_TRUE(r.ok()) << r.status().message();
    return r.ok() ? *r : client::HttpResponse{};
  }

  void append(const std::string& line) {
    std::ofstream f(log_path_, std::ios::app);
    f << line;
  }

  bool waitNoConnections() {
    for (int i = 0; i < 2000; ++i) {
      if (server_->openConnections() == 0) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  orch::testing::TempDir dir_;
  orch::testing::FakeClock clock_;
  std::string log_path_, prev_path_;
  std::atomic<bool> running_{true};
  std::unique_ptr<AgentServer> server_;
};

TEST_F(AgentServerTest, Healthz) {
  start();
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok");
  // The plain-HTTP healthz port.
  client::RestConfig rc;
  rc.server = "http://127.0.0.1:" + std::to_string(server_->healthzPort());
  auto c = HttpClient::create(rc);
  ASSERT_TRUE(c.ok());
  auto h = (*c)->request(HttpRequest{.target = "/healthz"});
  ASSERT_TRUE(h.ok()) << h.status().message();
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "ok");
  h = (*c)->request(HttpRequest{.target = "/pods"});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->status, 404);
}

TEST_F(AgentServerTest, FailingHealthCheck) {
  server_ = std::make_unique<AgentServer>(
      AgentServerConfig{.address = "127.0.0.1", .port = 0, .healthz_port = -1}, nullptr, nullptr,
      [] { return Status::error(EIO, "PLEG is not healthy"); });
  ASSERT_TRUE(server_->start().isOk());
  EXPECT_EQ(server_->healthzPort(), -1);
  auto r = get("/healthz");
  EXPECT_EQ(r.status, 500);
  EXPECT_NE(r.body.find("PLEG is not healthy"), std::string::npos);
}

TEST_F(AgentServerTest, Pods) {
  start();
  auto r = get("/pods");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  auto list = api::parse<api::List<api::Pod>>(r.body);
  ASSERT_TRUE(list.ok()) << list.status().message();
  EXPECT_EQ(list->kind, "PodList");
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_EQ(list->items[0].metadata.name, "web");
}

TEST_F(AgentServerTest, ContainerLogs) {
  start();
  auto r = get("/containerLogs/default/web/app");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(r.body, "first\noops\n");
  EXPECT_EQ(get("/containerLogs/default/web/app?tailLines=1").body, "oops\n");
  EXPECT_EQ(get("/containerLogs/default/web/app?timestamps=true&limitBytes=25").body,
            "2024-05-06T07:08:01Z firs");
  EXPECT_EQ(get("/containerLogs/default/web/app?stream=Stderr").body, "oops\n");
  EXPECT_EQ(get("/containerLogs/default/web/app?sinceTime=2024-05-06T07%3A08%3A02Z").body,
            "oops\n");
  // sinceSeconds counts back from the clock's now: 08:00:00 on the day of the log.
  clock_.advance(std::chrono::duration_cast<Clock::Duration>(
      api::parseRfc3339("2024-05-06T08:00:00Z").value() - clock_.wallNow()));
  append(criLine("2024-05-06T07:59:55Z", "recent"));
  EXPECT_EQ(get("/containerLogs/default/web/app?sinceSeconds=60").body, "recent\n");
}

TEST_F(AgentServerTest, ContainerLogErrors) {
  start();
  auto r = get("/containerLogs/default/nope/app");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, "pod \"nope\" does not exist\n");
  EXPECT_EQ(get("/containerLogs/default/web/other").status, 404);
  r = get("/containerLogs/default/web/app?previous=true");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, "previous terminated container \"app\" not found\n");
  EXPECT_EQ(get("/containerLogs/default/web/gone").status, 404);
  EXPECT_EQ(get("/containerLogs/default/web/app?tailLines=abc").status, 400);
  EXPECT_EQ(get("/containerLogs/default/web/app?tailLines=-1").status, 422);
  EXPECT_EQ(get("/containerLogs/default/web/app?follow=maybe").status, 400);
  EXPECT_EQ(
      get("/containerLogs/default/web/app?sinceSeconds=5&sinceTime=2024-05-06T07:08:02Z").status,
      422);
  EXPECT_EQ(get("/containerLogs/default/web").status, 404);
  EXPECT_EQ(get("/nothing").status, 404);
  auto c = httpsClient();
  auto post = c->request(HttpRequest{.method = "POST", .target = "/pods", .body = "{}"});
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 405);
}

// Collects a streamed body and lets the test wait for some text.
class Collector {
 public:
  bool add(std::string_view d) {
    std::lock_guard l(mu_);
    out_.append(d);
    cv_.notify_all();
    return true;
  }
  bool waitFor(const std::string& text) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return out_.find(text) != std::string::npos; });
  }
  std::string text() {
    std::lock_guard l(mu_);
    return out_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::string out_;
};

TEST_F(AgentServerTest, FollowStreamsUntilTheClientLeaves) {
  start();
  auto c = httpsClient();
  Collector out;
  client::Canceller cancel;
  Result<client::HttpResponse> result = Status::error(EINPROGRESS, "not done");
  std::thread t([&] {
    result = c->stream(
        HttpRequest{.target = "/containerLogs/default/web/app?follow=true&tailLines=1",
                    .timeout = 0ms},
        [&](std::string_view d) { return out.add(d); }, &cancel);
  });
  ASSERT_TRUE(out.waitFor("oops\n"));
  append(criLine("2024-05-06T07:08:03Z", "more"));
  ASSERT_TRUE(out.waitFor("more\n"));
  EXPECT_EQ(server_->openConnections(), 1u);
  cancel.cancel();
  t.join();
  EXPECT_EQ(result.status().code(), ECANCELED);
  EXPECT_EQ(out.text(), "oops\nmore\n");
  // The server noticed the client leaving and ended the stream.
  EXPECT_TRUE(waitNoConnections());
}

TEST_F(AgentServerTest, FollowEndsWhenTheContainerStops) {
  start();
  auto c = httpsClient();
  Collector out;
  Result<client::HttpResponse> result = Status::error(EINPROGRESS, "not done");
  std::thread t([&] {
    result =
        c->stream(HttpRequest{.target = "/containerLogs/default/web/app?follow=1", .timeout = 0ms},
                  [&](std::string_view d) { return out.add(d); });
  });
  ASSERT_TRUE(out.waitFor("oops\n"));
  append(criLine("2024-05-06T07:08:03Z", "bye"));
  running_ = false;
  t.join();
  ASSERT_TRUE(result.ok()) << result.status().message();
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(out.text(), "first\noops\nbye\n");
}

TEST_F(AgentServerTest, ShutdownEndsStreams) {
  start();
  auto c = httpsClient();
  Collector out;
  Result<client::HttpResponse> result = Status::error(EINPROGRESS, "not done");
  std::thread t([&] {
    result = c->stream(
        HttpRequest{.target = "/containerLogs/default/web/app?follow=true", .timeout = 0ms},
        [&](std::string_view d) { return out.add(d); });
  });
  ASSERT_TRUE(out.waitFor("oops\n"));
  server_->shutdown();
  t.join();
  EXPECT_EQ(server_->openConnections(), 0u);
}

TEST_F(AgentServerTest, ClientCertificates) {
  auto ca = pki::createCa("orch-ca");
  ASSERT_TRUE(ca.ok());
  auto client_kp = pki::issue(*ca, {.common_name = "kube-apiserver-kubelet-client",
                                    .organizations = {"system:masters"},
                                    .client = true});
  ASSERT_TRUE(client_kp.ok());
  auto other_ca = pki::createCa("other");
  auto stranger = pki::issue(*other_ca, {.common_name = "stranger", .client = true});
  ASSERT_TRUE(stranger.ok());
  AgentServerConfig cfg;
  cfg.client_ca_file = dir_.write("ca.crt", ca->cert_pem);
  cfg.anonymous_auth = false;
  start(cfg);
  EXPECT_EQ(get("/healthz").status, 401);
  auto stranger_client = httpsClient(stranger->cert_pem, stranger->key_pem);
  EXPECT_EQ(get("/healthz", stranger_client.get()).status, 401);
  auto apiserver = httpsClient(client_kp->cert_pem, client_kp->key_pem);
  auto r = get("/containerLogs/default/web/app", apiserver.get());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "first\noops\n");
}

TEST_F(AgentServerTest, ServingCertificateFromFilesOrCertDir) {
  AgentServerConfig cfg;
  cfg.cert_dir = dir_.path() + "/pki";
  start(cfg);
  std::string first = server_->certificatePem();
  auto saved = readFile(dir_.path() + "/pki/kubelet.crt");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(*saved, first);
  server_.reset();
  start(cfg);  // reused from the cert dir
  EXPECT_EQ(server_->certificatePem(), first);
  EXPECT_EQ(get("/healthz").body, "ok");
  server_.reset();

  auto kp =
      pki::selfSigned({.common_name = "given", .ip_addresses = {"127.0.0.1"}, .server = true});
  ASSERT_TRUE(kp.ok());
  AgentServerConfig files;
  files.tls_cert_file = dir_.write("given.crt", kp->cert_pem);
  files.tls_private_key_file = dir_.write("given.key", kp->key_pem);
  start(files);
  EXPECT_EQ(server_->certificatePem(), kp->cert_pem);
  EXPECT_EQ(get("/healthz").body, "ok");
  server_.reset();

  AgentServerConfig half;
  half.tls_cert_file = files.tls_cert_file;
  half.address = "127.0.0.1";
  half.port = 0;
  half.healthz_port = -1;
  AgentServer bad(half, nullptr, nullptr);
  EXPECT_EQ(bad.start().code(), EINVAL);
}

TEST_F(AgentServerTest, CurlSmoke) {
  start();
  auto r = runProcess(
      ProcessOptions{.argv = {"curl", "-sSk", "--max-time", "20",
                              "https://127.0.0.1:" + std::to_string(server_->port()) +
                                  "/containerLogs/default/web/app?tailLines=1&timestamps=true"},
                     .pipe_stdout = true,
                     .pipe_stderr = true},
      "", 30s);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_EQ(r->out, "2024-05-06T07:08:02Z oops\n");
}

}  // namespace
}  // namespace orch::agent
