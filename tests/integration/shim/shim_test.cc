// orch-shim through a real gRPC client, as root: pods, containers, security, logs, exec,
// OOM, and a kill -9 of the shim.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/base/file_util.h"
#include "runtime-shim/container/cgroups.h"
#include "tests/integration/shim/shim_fixture.h"

namespace orch::testing {
namespace {

namespace v1 = runtime::v1;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// CapEff of the exec'd shell, as a bit mask.
uint64_t capEff(const std::string& status_text) {
  auto pos = status_text.find("CapEff:");
  return pos == std::string::npos ? ~0ull : std::stoull(status_text.substr(pos + 7), nullptr, 16);
}

TEST_F(ShimTest, ContainersOfAPodShareNetworkAndIpcButNotFiles) {
  auto pod = podConfig("share");
  std::string pod_id = runPod(pod);
  ASSERT_FALSE(pod_id.empty());
  std::string server =
      startContainer(pod_id, pod,
                     busybox("server", {"sh", "-c",
                                        "echo marker > /tmp/only-here; echo shared > "
                                        "/dev/shm/ipc-file; echo hello; echo oops >&2; "
                                        "while true; do echo pong | nc -l -p 7777; done"}));
  std::string client = startContainer(pod_id, pod, busybox("client", {"sleep", "3600"}));
  ASSERT_FALSE(server.empty());
  ASSERT_FALSE(client.empty());

  // localhost is shared: the client reaches the server's listener on 127.0.0.1.
  EXPECT_TRUE(eventually([&] {
    auto r = exec(client, {"sh", "-c", "nc 127.0.0.1 7777 </dev/null"});
    return trimmed(r.stdout()) == "pong";
  }));
  // /dev/shm (the pod's IPC) is shared; the root filesystem is not.
  EXPECT_EQ(trimmed(exec(client, {"cat", "/dev/shm/ipc-file"}).stdout()), "shared");
  EXPECT_NE(exec(client, {"cat", "/tmp/only-here"}).exit_code(), 0);
  EXPECT_EQ(trimmed(exec(server, {"cat", "/tmp/only-here"}).stdout()), "marker");
  // Hostname and resolv.conf come from the sandbox config.
  EXPECT_EQ(trimmed(exec(client, {"hostname"}).stdout()), "share");
  EXPECT_NE(exec(client, {"cat", "/etc/resolv.conf"}).stdout().find("nameserver 10.96.0.10"),
            std::string::npos);

  // The CRI log format, both streams.
  std::string log_path = log_dir() + "/share/server/0.log";
  std::string log;
  EXPECT_TRUE(eventually([&] {
    log = readFile(log_path).valueOr("");
    return log.find("oops") != std::string::npos && log.find("hello") != std::string::npos;
  }));
  std::regex line(
      R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+(Z|[+-]\d\d:\d\d) (stdout|stderr) [FP] .*)");
  std::istringstream lines(log);
  std::string l;
  int count = 0;
  while (std::getline(lines, l)) {
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    ++count;
  }
  EXPECT_GE(count, 2);
  EXPECT_NE(log.find(" stdout F hello"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F oops"), std::string::npos) << log;
}

TEST_F(ShimTest, PodsGetAddressesAndReachEachOther) {
  auto a = podConfig("pod-a");
  auto b = podConfig("pod-b");
  std::string a_id = runPod(a), b_id = runPod(b);
  ASSERT_FALSE(a_id.empty());
  ASSERT_FALSE(b_id.empty());
  auto ipOf = [&](const std::string& id) {
    grpc::ClientContext ctx;
    v1::PodSandboxStatusRequest req;
    req.set_pod_sandbox_id(id);
    v1::PodSandboxStatusResponse resp;
    EXPECT_TRUE(rt().PodSandboxStatus(&ctx, req, &resp).ok());
    EXPECT_EQ(resp.status().state(), v1::SANDBOX_READY);
    return resp.status().network().ip();
  };
  std::string a_ip = ipOf(a_id), b_ip = ipOf(b_id);
  EXPECT_EQ(a_ip.rfind("10.244.7.", 0), 0u) << a_ip;
  EXPECT_EQ(b_ip.rfind("10.244.7.", 0), 0u) << b_ip;
  EXPECT_NE(a_ip, b_ip);
  std::string a_c = startContainer(
      a_id, a, busybox("web", {"sh", "-c", "while true; do echo from-a | nc -l -p 8080; done"}));
  std::string b_c = startContainer(b_id, b, busybox("probe", {"sleep", "3600"}));
  EXPECT_TRUE(eventually([&] {
    return trimmed(exec(b_c, {"sh", "-c", "nc " + a_ip + " 8080 </dev/null"}).stdout()) == "from-a";
  }));
  // eth0 in the pod carries the address.
  EXPECT_NE(exec(a_c, {"ip", "addr", "show", "eth0"}).stdout().find(a_ip), std::string::npos);

  // Stopping a sandbox stops its containers and makes it NotReady; stop is idempotent.
  for (int i = 0; i < 2; ++i) {
    grpc::ClientContext ctx;
    v1::StopPodSandboxRequest req;
    req.set_pod_sandbox_id(a_id);
    v1::StopPodSandboxResponse resp;
    grpc::Status st = rt().StopPodSandbox(&ctx, req, &resp);
    EXPECT_TRUE(st.ok()) << st.error_message();
  }
  EXPECT_EQ(containerStatus(a_c).state(), v1::CONTAINER_EXITED);
}

TEST_F(ShimTest, SecurityContextIsEnforced) {
  auto pod = podConfig("secure");
  std::string pod_id = runPod(pod);
  ASSERT_FALSE(pod_id.empty());

  auto confined = busybox("confined", {"sleep", "3600"});
  auto* sc = confined.mutable_linux()->mutable_security_context();
  sc->mutable_seccomp()->set_profile_type(v1::SecurityProfile::RuntimeDefault);
  sc->mutable_capabilities()->add_drop_capabilities("NET_RAW");
  sc->mutable_capabilities()->add_drop_capabilities("CHOWN");
  sc->set_readonly_rootfs(true);
  std::string confined_id = startContainer(pod_id, pod, confined);

  auto loose = busybox("loose", {"sleep", "3600"});
  loose.mutable_linux()->mutable_security_context()->mutable_seccomp()->set_profile_type(
      v1::SecurityProfile::Unconfined);
  std::string loose_id = startContainer(pod_id, pod, loose);
  ASSERT_FALSE(confined_id.empty());
  ASSERT_FALSE(loose_id.empty());

  // RuntimeDefault seccomp refuses a new user namespace; Unconfined allows it.
  EXPECT_NE(exec(confined_id, {"unshare", "-U", "true"}).exit_code(), 0);
  EXPECT_EQ(exec(loose_id, {"unshare", "-U", "true"}).exit_code(), 0);
  // Dropped capabilities are gone (CAP_CHOWN = 0, CAP_NET_RAW = 13); the default set keeps them.
  uint64_t confined_caps = capEff(exec(confined_id, {"cat", "/proc/self/status"}).stdout());
  uint64_t loose_caps = capEff(exec(loose_id, {"cat", "/proc/self/status"}).stdout());
  EXPECT_EQ(confined_caps & ((1ull << 0) | (1ull << 13)), 0u);
  EXPECT_EQ(loose_caps & ((1ull << 0) | (1ull << 13)), (1ull << 0) | (1ull << 13));
  EXPECT_EQ(loose_caps & (1ull << 21), 0u);  // CAP_SYS_ADMIN is not in the default set
  // A read-only root filesystem stays read-only.
  EXPECT_NE(exec(confined_id, {"touch", "/newfile"}).exit_code(), 0);
  EXPECT_EQ(exec(loose_id, {"touch", "/newfile"}).exit_code(), 0);
}

TEST_F(ShimTest, ExecSyncReturnsOutputExitCodeAndHonoursTimeout) {
  auto pod = podConfig("exec");
  std::string pod_id = runPod(pod);
  std::string c = startContainer(pod_id, pod, busybox("main", {"sleep", "3600"}));
  ASSERT_FALSE(c.empty());
  auto r = exec(c, {"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.stdout(), "out\n");
  EXPECT_EQ(r.stderr(), "err\n");
  EXPECT_EQ(r.exit_code(), 3);
  grpc::Status st;
  exec(c, {"sleep", "30"}, 1, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED) << st.error_message();
  // Unknown ids are NotFound.
  exec("no-such-container", {"true"}, 1, &st);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(ShimTest, MemoryLimitedContainerIsReportedOomKilled) {
  auto pod = podConfig("oom");
  std::string pod_id = runPod(pod);
  auto hog = busybox("hog", {"sh", "-c", "head -c 200m /dev/zero | tail"});
  hog.mutable_linux()->mutable_resources()->set_memory_limit_in_bytes(24 << 20);
  std::string c = startContainer(pod_id, pod, hog);
  ASSERT_FALSE(c.empty());
  auto status = waitExited(c);
  EXPECT_EQ(status.state(), v1::CONTAINER_EXITED);
  EXPECT_EQ(status.reason(), "OOMKilled");
  EXPECT_NE(status.exit_code(), 0);
}

TEST_F(ShimTest, ContainersSurviveAShimCrash) {
  auto pod = podConfig("crash");
  std::string pod_id = runPod(pod);
  std::string c = startContainer(
      pod_id, pod,
      busybox("long", {"sh", "-c", "trap 'exit 7' TERM; while true; do sleep 1; done"}));
  std::string done = startContainer(pod_id, pod, busybox("done", {"sh", "-c", "exit 5"}));
  ASSERT_FALSE(c.empty());
  EXPECT_EQ(waitExited(done).exit_code(), 5);
  auto before = containerStatus(c);
  ASSERT_EQ(before.state(), v1::CONTAINER_RUNNING);

  killShim();
  startShim();

  auto after = containerStatus(c);
  EXPECT_EQ(after.state(), v1::CONTAINER_RUNNING);
  EXPECT_EQ(after.started_at(), before.started_at());
  EXPECT_EQ(waitExited(done).exit_code(), 5);
  EXPECT_EQ(trimmed(exec(c, {"echo", "alive"}).stdout()), "alive");
  // A later exit is recorded with its code.
  grpc::ClientContext ctx;
  v1::StopContainerRequest req;
  req.set_container_id(c);
  req.set_timeout(10);
  v1::StopContainerResponse resp;
  grpc::Status st = rt().StopContainer(&ctx, req, &resp);
  EXPECT_TRUE(st.ok()) << st.error_message();
  EXPECT_EQ(containerStatus(c).exit_code(), 7);
}

// A RunPodSandbox whose network cannot be set up (the pause process starts meanwhile) fails
// with the CNI error and leaves no sandbox, record, process or cgroup behind.
TEST_F(ShimTest, FailedPodNetworkLeavesNothingBehind) {
  const std::string conf = cniConfDir() + "/10-orcht.conflist";
  const std::string good = readFile(conf).valueOr("");
  ASSERT_FALSE(good.empty());
  nlohmann::json broken = nlohmann::json::parse(good);
  broken["plugins"][0]["type"] = "orch-no-such-plugin";
  ASSERT_TRUE(writeFile(conf, broken.dump()).isOk());

  grpc::ClientContext ctx;
  v1::RunPodSandboxRequest req;
  *req.mutable_config() = podConfig("nonet");
  v1::RunPodSandboxResponse resp;
  grpc::Status st = rt().RunPodSandbox(&ctx, req, &resp);
  ASSERT_TRUE(writeFile(conf, good).isOk());
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.error_message().find("orch-no-such-plugin"), std::string::npos)
      << st.error_message();

  grpc::ClientContext lctx;
  v1::ListPodSandboxRequest lreq;
  v1::ListPodSandboxResponse lresp;
  ASSERT_TRUE(rt().ListPodSandbox(&lctx, lreq, &lresp).ok());
  EXPECT_EQ(lresp.items_size(), 0);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(stateDir() + "/sandboxes", ec))
    ADD_FAILURE() << "left in the state dir: " << e.path();
  // The pause process ran in a pod cgroup below the test's parent: gone, with its cgroup.
  auto layout = shim::detectCgroupLayout();
  ASSERT_TRUE(layout.ok()) << layout.status().message();
  const shim::Cgroup parent = shim::Cgroup::open(*layout, cgroupParent());
  for (const char* controller : {"memory", "pids", ""}) {
    const std::string dir = parent.directory(controller);
    if (dir.empty()) continue;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec))
      if (e.is_directory()) ADD_FAILURE() << "cgroup left: " << e.path();
  }

  // The same pod starts once the network is back.
  std::string id = runPod(podConfig("nonet"));
  EXPECT_FALSE(id.empty());
}

TEST_F(ShimTest, BadRequestsGetClearErrors) {
  grpc::ClientContext ctx;
  v1::RunPodSandboxRequest req;
  req.mutable_config()->mutable_metadata()->set_name("x");
  v1::RunPodSandboxResponse resp;
  grpc::Status st = rt().RunPodSandbox(&ctx, req, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("metadata.namespace"), std::string::npos) << st.error_message();

  auto pod = podConfig("bad");
  std::string pod_id = runPod(pod);
  grpc::ClientContext cctx;
  v1::CreateContainerRequest creq;
  creq.set_pod_sandbox_id(pod_id);
  *creq.mutable_config() = busybox("c", {"true"});
  creq.mutable_config()->mutable_image()->set_image("no-such-image:1");
  v1::CreateContainerResponse cresp;
  st = rt().CreateContainer(&cctx, creq, &cresp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::NOT_FOUND) << st.error_message();

  grpc::ClientContext sctx;
  v1::ContainerStatusRequest sreq;
  sreq.set_container_id("0123456789");
  v1::ContainerStatusResponse sresp;
  EXPECT_EQ(rt().ContainerStatus(&sctx, sreq, &sresp).error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace orch::testing
