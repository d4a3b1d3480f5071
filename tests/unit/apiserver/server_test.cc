// The HTTPS server on 127.0.0.1 at an ephemeral port, with in-memory PKI and test-only routes
// (a user echo, a blocking handler, a stream fed by the test).

#include "controlplane/apiserver/server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/pki/x509.h"
#include "controlplane/apiserver/discovery.h"
#include "tests/unit/apiserver/test_client.h"

namespace orch::apiserver {
namespace {

using nlohmann::json;
using testing::ClientCreds;
using testing::TestClient;

constexpr auto kWait = std::chrono::seconds(20);  // bound for waits that must succeed

struct Pki {
  pki::KeyPair ca, serving, alice, other_ca, mallory;
};

const Pki& pkiMaterial() {
  static const Pki p = [] {
    Pki p;
    p.ca = pki::createCa("test-ca").value();
    p.serving = pki::issue(p.ca, pki::CertRequest{.common_name = "apiserver",
                                                  .dns_names = {"localhost"},
                                                  .ip_addresses = {"127.0.0.1"},
                                                  .server = true})
                    .value();
    p.alice = pki::issue(p.ca, pki::CertRequest{.common_name = "alice",
                                                .organizations = {"dev", "ops"},
                                                .client = true})
                  .value();
    p.other_ca = pki::createCa("other-ca").value();
    p.mallory = pki::issue(p.other_ca, pki::CertRequest{.common_name = "mallory",
                                                        .organizations = {"system:masters"},
                                                        .client = true})
                    .value();
    return p;
  }();
  return p;
}

// What the test routes share with the test body.
struct Probe {
  std::mutex mu;
  std::condition_variable cv;
  std::shared_ptr<StreamSink> sink;
  bool closed = false;
  bool blocked_entered = false;
  bool release_blocked = false;

  template <class Pred>
  bool waitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, kWait, pred);
  }
};

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { startServer(ServerConfig{}); }
  void TearDown() override {
    {
      std::lock_guard<std::mutex> lock(probe_->mu);
      probe_->release_blocked = true;
    }
    probe_->cv.notify_all();
    if (server_) server_->shutdown(std::chrono::seconds(5));
  }

  void startServer(ServerConfig cfg) {
    if (server_) server_->shutdown(std::chrono::seconds(5));
    const Pki& p = pkiMaterial();
    cfg.bind_address = "127.0.0.1";
    cfg.port = 0;
    cfg.cert_pem = p.serving.cert_pem;
    cfg.key_pem = p.serving.key_pem;
    cfg.client_ca_pem = p.ca.cert_pem;
    cfg.tokens = std::make_shared<const TokenAuthenticator>(
        TokenAuthenticator::parse("tok-bob,bob,uid-b,\"g1,g2\"\n").value());
    auto router = std::make_shared<Router>();
    ASSERT_TRUE(addDiscoveryRoutes(*router).isOk());
    ASSERT_TRUE(router
                    ->add("GET", "/whoami",
                          [](const Request& req) -> Reply {
                            json j = {{"name", req.user.name},
                                      {"uid", req.user.uid},
                                      {"groups", req.user.groups}};
                            return jsonResponse(200, j.dump());
                          })
                    .isOk());
    ASSERT_TRUE(router
                    ->add("POST", "/echo",
                          [](const Request& req) -> Reply {
                            return jsonResponse(200, json{{"size", req.body.size()}}.dump());
                          })
                    .isOk());
    auto probe = probe_;
    ASSERT_TRUE(router
                    ->add("GET", "/block",
                          [probe](const Request&) -> Reply {
                            std::unique_lock<std::mutex> lock(probe->mu);
                            probe->blocked_entered = true;
                            probe->cv.notify_all();
                            probe->cv.wait(lock, [&] { return probe->release_blocked; });
                            return textResponse(200, "released");
                          })
                    .isOk());
    ASSERT_TRUE(router
                    ->add("GET", "/stream",
                          [probe](const Request&) -> Reply {
                            StreamResponse sr;
                            sr.start = [probe](std::shared_ptr<StreamSink> sink) {
                              sink->onClose([probe] {
                                std::lock_guard<std::mutex> lock(probe->mu);
                                probe->closed = true;
                                probe->cv.notify_all();
                              });
                              std::lock_guard<std::mutex> lock(probe->mu);
                              probe->sink = std::move(sink);
                              probe->cv.notify_all();
                            };
                            return sr;
                          })
                    .isOk());
    server_ = std::make_unique<Server>(std::move(cfg), router);
    ASSERT_TRUE(server_->start().isOk());
    ASSERT_GT(server_->port(), 0);
  }

  ClientCreds aliceCreds() const {
    const Pki& p = pkiMaterial();
    return {p.ca.cert_pem, p.alice.cert_pem, p.alice.key_pem};
  }
  ClientCreds anonymousCreds() const { return {pkiMaterial().ca.cert_pem, "", ""}; }
  std::unique_ptr<TestClient> connect(const ClientCreds& creds) {
    auto c = TestClient::connect(server_->port(), creds);
    EXPECT_TRUE(c.ok()) << c.status().message();
    return c.ok() ? std::move(c).value() : nullptr;
  }
  std::shared_ptr<StreamSink> waitForSink() {
    EXPECT_TRUE(probe_->waitFor([&] { return probe_->sink != nullptr; }));
    std::lock_guard<std::mutex> lock(probe_->mu);
    return probe_->sink;
  }
  // A client with /stream open, and the sink the route handed out (null on failure).
  struct OpenStream {
    std::unique_ptr<TestClient> client;
    std::shared_ptr<StreamSink> sink;
  };
  OpenStream openStream() {
    OpenStream s;
    s.client = connect(aliceCreds());
    if (s.client == nullptr) return s;
    auto head = s.client->startStream("/stream");
    EXPECT_TRUE(head.ok()) << head.status().message();
    if (head.ok()) s.sink = waitForSink();
    return s;
  }
  // What the stream sends up to its terminating chunk; an error when the connection breaks
  // before it.
  static Result<std::string> readToEnd(TestClient& c) {
    std::string got;
    for (;;) {
      ORCH_ASSIGN_OR_RETURN(auto part, c.readStream());
      if (!part.has_value()) return got;
      got += *part;
    }
  }

  std::shared_ptr<Probe> probe_ = std::make_shared<Probe>();
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, ClientCertificateUserIsCnWithGroupsFromO) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  auto res = c->request("GET", "/whoami");
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 200);
  json j = json::parse(res->body);
  EXPECT_EQ(j["name"], "alice");
  EXPECT_EQ(j["groups"], json({"dev", "ops", "system:authenticated"}));
}

TEST_F(ServerTest, StaticTokenAuthenticates) {
  auto c = connect(anonymousCreds());
  ASSERT_NE(c, nullptr);
  auto res = c->request("GET", "/whoami", {{"Authorization", "Bearer tok-bob"}});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 200);
  json j = json::parse(res->body);
  EXPECT_EQ(j["name"], "bob");
  EXPECT_EQ(j["uid"], "uid-b");
  EXPECT_EQ(j["groups"], json({"g1", "g2", "system:authenticated"}));

  res = c->request("GET", "/whoami", {{"Authorization", "Bearer wrong"}});
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["reason"], "Unauthorized");
}

TEST_F(ServerTest, AnonymousRequestIs401WithStatus) {
  auto c = connect(anonymousCreds());
  ASSERT_NE(c, nullptr);
  auto res = c->request("GET", "/version");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 401);
  json j = json::parse(res->body);
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["apiVersion"], "v1");
  EXPECT_EQ(j["status"], "Failure");
  EXPECT_EQ(j["reason"], "Unauthorized");
  EXPECT_EQ(j["code"], 401);
}

TEST_F(ServerTest, CertificateFromAnotherCaIsNotAUser) {
  const Pki& p = pkiMaterial();
  auto c = connect({p.ca.cert_pem, p.mallory.cert_pem, p.mallory.key_pem});
  ASSERT_NE(c, nullptr);
  auto res = c->request("GET", "/whoami");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 401);
}

TEST_F(ServerTest, ClientTrustingAnotherCaFailsTheHandshake) {
  const Pki& p = pkiMaterial();
  auto c = TestClient::connect(server_->port(), {p.other_ca.cert_pem, "", ""});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("handshake"), std::string::npos);
}

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  for (const char* path : {"/healthz", "/livez", "/readyz"}) {
    auto res = c->request("GET", path);
    ASSERT_TRUE(res.ok()) << path << ": " << res.status().message();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, "ok");
    EXPECT_TRUE(res->keep_alive);
  }
  EXPECT_EQ(server_->openConnections(), 1u);
  auto v = c->request("GET", "/version");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(json::parse(v->body)["gitVersion"], kGitVersion);
}

TEST_F(ServerTest, UnknownPathIs404Status) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  auto res = c->request("GET", "/apis/batch/v1");
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["reason"], "NotFound");
}

TEST_F(ServerTest, OversizedContentLengthIs413BeforeTheBodyIsSent) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  // Only the head goes out: the answer must come without the server waiting for the body.
  ASSERT_TRUE(c->sendHead("POST", "/echo",
                          {{"Content-Length", std::to_string(kDefaultMaxRequestBody + 1)},
                           {"Content-Type", "application/json"}})
                  .isOk());
  auto res = c->readResponse();
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 413);
  json j = json::parse(res->body);
  EXPECT_EQ(j["kind"], "Status");
  EXPECT_EQ(j["code"], 413);
  EXPECT_EQ(j["reason"], "RequestEntityTooLarge");
  EXPECT_FALSE(res->keep_alive);
}

TEST_F(ServerTest, OversizedChunkedBodyIs413AndTheLimitItselfIsAccepted) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  auto ok = c->request("POST", "/echo", {}, std::string(kDefaultMaxRequestBody, 'x'));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(json::parse(ok->body)["size"], kDefaultMaxRequestBody);

  auto c2 = connect(aliceCreds());
  ASSERT_NE(c2, nullptr);
  ASSERT_TRUE(c2->sendHead("POST", "/echo", {{"Transfer-Encoding", "chunked"}}).isOk());
  // 1 MiB chunks, one more than the limit allows: the server answers once the limit is passed
  // (a write may fail after it closed; the answer is what counts).
  std::string chunk(1 << 20, 'y');
  char size_line[32];
  snprintf(size_line, sizeof(size_line), "%zx\r\n", chunk.size());
  std::string framed = size_line + chunk + "\r\n";
  for (size_t sent = 0; sent <= kDefaultMaxRequestBody; sent += chunk.size()) {
    if (!c2->writeRaw(framed).isOk()) break;
  }
  auto res = c2->readResponse();
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(json::parse(res->body)["reason"], "RequestEntityTooLarge");
}

TEST_F(ServerTest, StreamDeliversChunksIncrementallyAndEnds) {
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  auto head = c->startStream("/stream");
  ASSERT_TRUE(head.ok()) << head.status().message();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->headers["transfer-encoding"], "chunked");
  auto sink = waitForSink();
  ASSERT_NE(sink, nullptr);
  for (int i = 0; i < 3; ++i) {
    std::string event = "{\"n\":" + std::to_string(i) + "}\n";
    ASSERT_TRUE(sink->write(event));
    // The client sees this chunk before the next one exists.
    std::string got;
    while (got.size() < event.size()) {
      auto part = c->readStream();
      ASSERT_TRUE(part.ok()) << part.status().message();
      ASSERT_TRUE(part->has_value());
      got += **part;
    }
    EXPECT_EQ(got, event);
  }
  sink->end();
  auto end = c->readStream();
  ASSERT_TRUE(end.ok()) << end.status().message();
  EXPECT_FALSE(end->has_value());
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
  EXPECT_FALSE(sink->write("late"));
}

// Chunks queued while a write is in flight go out together (as one chunk): nothing lost,
// nothing reordered, and the end still follows the last of them.
TEST_F(ServerTest, StreamDeliversABurstInOrderAndThenEnds) {
  auto [c, sink] = openStream();
  ASSERT_NE(sink, nullptr);
  std::string want;
  for (int i = 0; i < 500; ++i) {
    std::string event = "{\"n\":" + std::to_string(i) + "}\n";
    ASSERT_TRUE(sink->write(event));
    want += event;
  }
  sink->end();
  auto got = readToEnd(*c);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(*got, want);
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
}

// More than the socket buffers hold while the client does not read: the writes wait for the
// socket to drain, and once the client reads, everything arrives, in order, then the end.
TEST_F(ServerTest, StreamToAReaderThatFallsBehindArrivesWhole) {
  auto [c, sink] = openStream();
  ASSERT_NE(sink, nullptr);
  std::string want;
  for (int i = 0; i < 1024; ++i) {  // 8 MiB: over the socket buffers, under the stream limit
    std::string chunk(8192, static_cast<char>('a' + i % 26));
    chunk.back() = '\n';
    ASSERT_TRUE(sink->write(chunk)) << "chunk " << i;
    want += chunk;
  }
  sink->end();
  auto got = readToEnd(*c);
  ASSERT_TRUE(got.ok()) << got.status().message();
  EXPECT_EQ(got->size(), want.size());
  EXPECT_TRUE(*got == want);
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
}

// A client that stops reading: once more than the stream's buffer limit is waiting, the
// producer's writes fail and the connection is cut (its close callbacks run).
TEST_F(ServerTest, StreamWhoseClientStopsReadingIsCutAtTheBufferLimit) {
  ServerConfig cfg;
  cfg.max_stream_buffer = 256 * 1024;
  startServer(cfg);
  auto [c, sink] = openStream();
  ASSERT_NE(sink, nullptr);
  const std::string chunk(64 * 1024, 'x');
  bool refused = false;
  // Paced so that the socket buffers fill first and the server waits on a write when the
  // limit passes; far more than both can hold.
  for (int i = 0; i < 4096 && !refused; ++i) {
    refused = !sink->write(chunk);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(sink->closed());
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
  // After what was already sent, the client finds the connection cut: no terminating chunk.
  EXPECT_FALSE(readToEnd(*c).ok());
}

TEST_F(ServerTest, StreamNoticesClientDisconnect) {
  auto [c, sink] = openStream();
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->write("first\n"));
  c->abort();
  // No further write is needed for the server to notice.
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
  EXPECT_TRUE(sink->closed());
  EXPECT_FALSE(sink->write("after"));
  // onClose after the fact runs at once.
  bool ran = false;
  sink->onClose([&] { ran = true; });
  EXPECT_TRUE(ran);
}

TEST_F(ServerTest, IdleConnectionIsClosed) {
  ServerConfig cfg;
  cfg.idle_timeout = std::chrono::milliseconds(200);
  startServer(cfg);
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->request("GET", "/healthz").ok());
  EXPECT_TRUE(c->serverClosed());
}

TEST_F(ServerTest, RequestHookSeesUserAndStatus) {
  struct Seen {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<std::string> lines;
  };
  auto seen = std::make_shared<Seen>();
  ServerConfig cfg;
  cfg.on_request = [seen](const Request& req, int status) {
    std::lock_guard<std::mutex> lock(seen->mu);
    seen->lines.push_back(req.method + " " + req.target + " " + req.user.name + " " +
                          std::to_string(status));
    seen->cv.notify_all();
  };
  startServer(cfg);
  auto c = connect(aliceCreds());
  ASSERT_NE(c, nullptr);
  ASSERT_TRUE(c->request("GET", "/api/v1?timeout=32s").ok());
  auto anon = connect(anonymousCreds());
  ASSERT_NE(anon, nullptr);
  ASSERT_TRUE(anon->request("GET", "/apis").ok());
  std::unique_lock<std::mutex> lock(seen->mu);
  ASSERT_TRUE(seen->cv.wait_for(lock, kWait, [&] { return seen->lines.size() == 2; }));
  // Two connections: the hooks may run in either order.
  std::sort(seen->lines.begin(), seen->lines.end());
  EXPECT_EQ(seen->lines[0], "GET /api/v1?timeout=32s alice 200");
  EXPECT_EQ(seen->lines[1], "GET /apis  401");
}

TEST_F(ServerTest, ShutdownEndsStreamsAndFinishesInFlightRequests) {
  // Connected first, so that shutdown drains it before the others: once the stream below has
  // ended, this one has been told too.
  auto busy = connect(aliceCreds());
  ASSERT_NE(busy, nullptr);
  auto streamer = connect(aliceCreds());
  ASSERT_NE(streamer, nullptr);
  ASSERT_TRUE(streamer->startStream("/stream").ok());
  auto sink = waitForSink();
  ASSERT_NE(sink, nullptr);
  auto idle = connect(aliceCreds());
  ASSERT_NE(idle, nullptr);
  ASSERT_TRUE(idle->request("GET", "/healthz").ok());

  auto in_flight = std::async(std::launch::async, [&] { return busy->request("GET", "/block"); });
  ASSERT_TRUE(probe_->waitFor([&] { return probe_->blocked_entered; }));

  auto stopping = std::async(std::launch::async, [&] { server_->shutdown(kWait); });
  // The stream ends cleanly and its producer hears about it.
  auto end = streamer->readStream();
  ASSERT_TRUE(end.ok()) << end.status().message();
  EXPECT_FALSE(end->has_value());
  EXPECT_TRUE(probe_->waitFor([&] { return probe_->closed; }));
  EXPECT_TRUE(idle->serverClosed());
  // The handler still running gets to answer.
  {
    std::lock_guard<std::mutex> lock(probe_->mu);
    probe_->release_blocked = true;
  }
  probe_->cv.notify_all();
  auto res = in_flight.get();
  ASSERT_TRUE(res.ok()) << res.status().message();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "released");
  EXPECT_FALSE(res->keep_alive);
  stopping.get();
  EXPECT_EQ(server_->openConnections(), 0u);
  EXPECT_FALSE(TestClient::connect(server_->port(), aliceCreds()).ok());
}

}  // namespace
}  // namespace orch::apiserver
