#include "agent/prober/http_probe.h"

#include <gtest/gtest.h>

#include "probe_test_server.h"

namespace orch::agent {
namespace {

using probe_test::CannedResponse;
using probe_test::ProbeHttpServer;
using probe_test::SeenRequest;

HttpProbeRequest get(int port, std::string path) {
  HttpProbeRequest r;
  r.host = "127.0.0.1";
  r.port = port;
  r.path = std::move(path);
  r.timeout = std::chrono::seconds(5);
  return r;
}

TEST(HttpProbe, SuccessSendsKubeletHeaders) {
  ProbeHttpServer srv([](const SeenRequest&) { return CannedResponse{200, {}, "fine"}; });
  auto out = runHttpProbe(get(srv.port(), "/healthz?x=1"));
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(out.output, "fine");
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/healthz?x=1");
  EXPECT_EQ(reqs[0].headers["user-agent"], "kube-probe/1.30");
  EXPECT_EQ(reqs[0].headers["accept"], "*/*");
  EXPECT_EQ(reqs[0].headers["host"], "127.0.0.1:" + std::to_string(srv.port()));
  EXPECT_EQ(reqs[0].headers["connection"], "close");
}

TEST(HttpProbe, PathWithoutSlashAndEmptyPath) {
  ProbeHttpServer srv([](const SeenRequest&) { return CannedResponse{204, {}, ""}; });
  EXPECT_EQ(runHttpProbe(get(srv.port(), "ready")).result, ProbeResult::kSuccess);
  EXPECT_EQ(runHttpProbe(get(srv.port(), "")).result, ProbeResult::kSuccess);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].target, "/ready");
  EXPECT_EQ(reqs[1].target, "/");
}

TEST(HttpProbe, CustomHeadersOverrideDefaults) {
  ProbeHttpServer srv([](const SeenRequest&) { return CannedResponse{200, {}, ""}; });
  auto req = get(srv.port(), "/");
  req.headers = {{"Host", "example.test"},
                 {"User-Agent", "mine"},
                 {"Accept", ""},
                 {"X-Custom", "a"},
                 {"X-Custom", "b"}};
  EXPECT_EQ(runHttpProbe(req).result, ProbeResult::kSuccess);
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].headers["host"], "example.test");
  EXPECT_EQ(reqs[0].headers["user-agent"], "mine");
  EXPECT_EQ(reqs[0].headers.count("accept"), 0u);
  EXPECT_EQ(reqs[0].headers["x-custom"], "a, b");
}

TEST(HttpProbe, StatusCodes) {
  int status = 0;
  ProbeHttpServer srv([&](const SeenRequest&) { return CannedResponse{status, {}, "body"}; });
  for (int s : {200, 299, 304, 399}) {
    status = s;
    auto out = runHttpProbe(get(srv.port(), "/"));
    EXPECT_NE(out.result, ProbeResult::kFailure) << s;
  }
  for (int s : {400, 404, 500, 503}) {
    status = s;
    auto out = runHttpProbe(get(srv.port(), "/"));
    EXPECT_EQ(out.result, ProbeResult::kFailure) << s;
    EXPECT_EQ(out.output, "HTTP probe failed with statuscode: " + std::to_string(s));
  }
}

TEST(HttpProbe, FollowsRedirectsToTheSameHost) {
  ProbeHttpServer target([](const SeenRequest& r) {
    return CannedResponse{r.target == "/final" ? 200 : 404, {}, "at final"};
  });
  ProbeHttpServer srv([&](const SeenRequest& r) {
    if (r.target == "/start") return CannedResponse{302, {{"Location", "/next?a=b"}}, ""};
    if (r.target == "/next?a=b") {
      // Another port of the same host is still the same host.
      return CannedResponse{
          307, {{"Location", "http://127.0.0.1:" + std::to_string(target.port()) + "/final"}}, ""};
    }
    return CannedResponse{500, {}, ""};
  });
  auto out = runHttpProbe(get(srv.port(), "/start"));
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(out.output, "at final");
  EXPECT_EQ(srv.requests().size(), 2u);
  EXPECT_EQ(target.requests().size(), 1u);
}

TEST(HttpProbe, RedirectToAnotherHostIsAWarning) {
  ProbeHttpServer srv([](const SeenRequest&) {
    return CannedResponse{301, {{"Location", "http://localhost:1/elsewhere"}}, "moved"};
  });
  auto out = runHttpProbe(get(srv.port(), "/"));
  EXPECT_EQ(out.result, ProbeResult::kWarning);
  EXPECT_EQ(out.output, "Probe terminated redirects, Response body: moved");
}

TEST(HttpProbe, RedirectLoopFails) {
  ProbeHttpServer srv([](const SeenRequest&) {
    return CannedResponse{302, {{"Location", "/again"}}, ""};
  });
  auto out = runHttpProbe(get(srv.port(), "/"));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_NE(out.output.find("stopped after 10 redirects"), std::string::npos) << out.output;
  EXPECT_EQ(srv.requests().size(), 11u);
}

TEST(HttpProbe, ConnectionRefusedFails) {
  int port;
  {
    ProbeHttpServer srv([](const SeenRequest&) { return CannedResponse{}; });
    port = srv.port();
  }
  auto out = runHttpProbe(get(port, "/healthz"));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_NE(out.output.find("connect: connection refused"), std::string::npos) << out.output;
  EXPECT_EQ(out.output.rfind("Get \"http://127.0.0.1:" + std::to_string(port) + "/healthz\"", 0),
            0u)
      << out.output;
}

TEST(HttpProbe, TimeoutFails) {
  ProbeHttpServer srv([](const SeenRequest&) {
    CannedResponse r;
    r.hang = true;
    return r;
  });
  auto req = get(srv.port(), "/slow");
  req.timeout = std::chrono::milliseconds(300);
  auto out = runHttpProbe(req);
  srv.release();
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_NE(out.output.find("context deadline exceeded"), std::string::npos) << out.output;
}

TEST(HttpProbe, HttpsWithoutVerification) {
  ProbeHttpServer srv(
      [](const SeenRequest&) {
        return CannedResponse{200, {}, "tls"};
      },
      /*tls=*/true);
  auto req = get(srv.port(), "/");
  req.scheme = "HTTPS";
  auto out = runHttpProbe(req);
  EXPECT_EQ(out.result, ProbeResult::kSuccess) << out.output;
  EXPECT_EQ(out.output, "tls");
  // Plain HTTP against a TLS server fails.
  req.scheme = "HTTP";
  EXPECT_EQ(runHttpProbe(req).result, ProbeResult::kFailure);
}

TEST(HttpProbe, LargeBodyIsCutButStatusCounts) {
  ProbeHttpServer srv([](const SeenRequest&) {
    return CannedResponse{200, {}, std::string(100000, 'x')};
  });
  auto out = runHttpProbe(get(srv.port(), "/"));
  EXPECT_EQ(out.result, ProbeResult::kSuccess);
  EXPECT_LE(out.output.size(), kMaxProbeOutputBytes);
}

TEST(HttpProbe, BadInput) {
  auto req = get(0, "/");
  EXPECT_EQ(runHttpProbe(req).result, ProbeResult::kFailure);
  req.port = 80;
  req.scheme = "ftp";
  EXPECT_EQ(runHttpProbe(req).result, ProbeResult::kFailure);
  req.scheme = "http";
  req.host = "";
  EXPECT_EQ(runHttpProbe(req).result, ProbeResult::kFailure);
}

TEST(HttpProbe, FormatUrl) {
  EXPECT_EQ(formatProbeUrl("HTTP", "10.0.0.1", 8080, "healthz"), "http://10.0.0.1:8080/healthz");
  EXPECT_EQ(formatProbeUrl("HTTPS", "fd00::1", 443, "/"), "https://[fd00::1]:443/");
}

}  // namespace
}  // namespace orch::agent
