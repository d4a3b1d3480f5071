#include "agent/prober/exec_probe.h"

#include <gtest/gtest.h>

#include "agent/prober/probe_runner.h"

namespace orch::agent {
namespace {

ExecRunner fixed(Result<ExecOutcome> r, std::vector<std::string>* seen_cmd = nullptr,
                 std::chrono::seconds* seen_timeout = nullptr) {
  return [=](const std::string&, const std::vector<std::string>& cmd, std::chrono::seconds t) {
    if (seen_cmd) *seen_cmd = cmd;
    if (seen_timeout) *seen_timeout = t;
    return r;
  };
}

TEST(ExecProbe, ExitCodes) {
  std::vector<std::string> cmd;
  std::chrono::seconds timeout{};
  auto out = runExecProbe(fixed(ExecOutcome{"out\n", "err\n", 0}, &cmd, &timeout), "c1",
                          {"cat", "/tmp/healthy"}, std::chrono::seconds(3));
  EXPECT_EQ(out.result, ProbeResult::kSuccess);
  EXPECT_EQ(out.output, "out\nerr\n");
  EXPECT_EQ(cmd, (std::vector<std::string>{"cat", "/tmp/healthy"}));
  EXPECT_EQ(timeout, std::chrono::seconds(3));

  out = runExecProbe(fixed(ExecOutcome{"", "no such file\n", 1}), "c1", {"cat", "x"},
                     std::chrono::seconds(1));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "no such file\n");
}

TEST(ExecProbe, TimeoutIsAFailure) {
  auto out = runExecProbe(fixed(Status::timeout("exec sync")), "c1", {"sleep", "10"},
                          std::chrono::seconds(1));
  EXPECT_EQ(out.result, ProbeResult::kFailure);
  EXPECT_EQ(out.output, "command \"sleep 10\" timed out");
}

TEST(ExecProbe, RuntimeErrorIsUnknown) {
  auto out = runExecProbe(fixed(Status::notFound("container c1")), "c1", {"true"},
                          std::chrono::seconds(1));
  EXPECT_EQ(out.result, ProbeResult::kUnknown);
  EXPECT_EQ(runExecProbe(nullptr, "c1", {"true"}, std::chrono::seconds(1)).result,
            ProbeResult::kUnknown);
}

TEST(ExecProbe, OutputIsCut) {
  auto out = runExecProbe(fixed(ExecOutcome{std::string(20000, 'a'), "", 1}), "c1", {"x"},
                          std::chrono::seconds(1));
  EXPECT_EQ(out.output.size(), kMaxProbeOutputBytes);
}

TEST(ProbeRunner, DefaultsAndNamedPorts) {
  api::Probe p = withProbeDefaults(api::Probe{});
  EXPECT_EQ(p.timeoutSeconds, 1);
  EXPECT_EQ(p.periodSeconds, 10);
  EXPECT_EQ(p.successThreshold, 1);
  EXPECT_EQ(p.failureThreshold, 3);

  api::Container c;
  c.name = "web";
  c.ports.push_back(api::ContainerPort{.name = "http", .containerPort = 8080});
  EXPECT_EQ(resolveContainerPort(api::IntOrString("http"), c).valueOr(0), 8080);
  EXPECT_EQ(resolveContainerPort(api::IntOrString(81), c).valueOr(0), 81);
  EXPECT_EQ(resolveContainerPort(api::IntOrString("grpc"), c).status().code(), ENOENT);
  EXPECT_EQ(resolveContainerPort(api::IntOrString(70000), c).status().code(), EINVAL);
}

TEST(ProbeRunner, PicksTheHandler) {
  std::vector<std::string> cmd;
  ProbeRunner runner(fixed(ExecOutcome{"", "", 0}, &cmd));
  api::Container c;
  api::Probe p;
  p.exec = api::ExecAction{.command = {"true"}};
  EXPECT_EQ(runner.run(p, c, "127.0.0.1", "id").result, ProbeResult::kSuccess);
  EXPECT_EQ(cmd, std::vector<std::string>{"true"});

  api::Probe none;
  EXPECT_EQ(runner.run(none, c, "127.0.0.1", "id").result, ProbeResult::kUnknown);

  api::Probe named;
  named.tcpSocket = api::TCPSocketAction{.port = api::IntOrString("missing")};
  auto out = runner.run(named, c, "127.0.0.1", "id");
  EXPECT_EQ(out.result, ProbeResult::kUnknown);
  EXPECT_NE(out.output.find("couldn't find port"), std::string::npos);
}

}  // namespace
}  // namespace orch::agent
