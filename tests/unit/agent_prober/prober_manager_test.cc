#include "agent/prober/prober_manager.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>

#include "probe_test_server.h"
#include "tests/fakes/fake_clock.h"

namespace orch::agent {
namespace {

using FakeClock = ::orch::testing::FakeClock;
using namespace std::chrono_literals;

constexpr auto kWait = std::chrono::seconds(20);  // bound for waits on events, never hit

// The runtime's ExecSync, scripted: the command {"probe", <name>} exits with the code set for
// <name> (or for the container id, which wins); names in `blocked` wait until unblocked.
class FakeExec {
 public:
  struct Call {
    std::string container_id, name;
    Clock::TimePoint at;
  };
  explicit FakeExec(FakeClock& clock) : clock_(clock) {}

  ExecRunner runner() {
    return [this](const std::string& id, const std::vector<std::string>& cmd,
                  std::chrono::seconds) -> Result<ExecOutcome> {
      std::unique_lock l(mu_);
      std::string name = cmd.size() > 1 ? cmd[1] : "";
      calls_.push_back({id, name, clock_.now()});
      cv_.notify_all();
      cv_.wait(l, [&] { return blocked_.count(name) == 0; });
      int code = exit_by_id_.count(id) ? exit_by_id_[id] : exit_[name];
      return ExecOutcome{"", code == 0 ? "" : "exit " + std::to_string(code), code};
    };
  }
  void setExit(const std::string& name, int code) {
    std::lock_guard l(mu_);
    exit_[name] = code;
  }
  void setExitForId(const std::string& id, int code) {
    std::lock_guard l(mu_);
    exit_by_id_[id] = code;
  }
  void block(const std::string& name) {
    std::lock_guard l(mu_);
    blocked_.insert(name);
  }
  void unblock(const std::string& name) {
    std::lock_guard l(mu_);
    blocked_.erase(name);
    cv_.notify_all();
  }
  bool waitForCalls(size_t n) {
    std::unique_lock l(mu_);
    return cv_.wait_for(l, kWait, [&] { return calls_.size() >= n; });
  }
  std::vector<Call> calls() {
    std::lock_guard l(mu_);
    return calls_;
  }
  size_t callsNamed(const std::string& name) {
    std::lock_guard l(mu_);
    size_t n = 0;
    for (const auto& c : calls_) n += c.name == name ? 1 : 0;
    return n;
  }

 private:
  FakeClock& clock_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Call> calls_;
  std::map<std::string, int> exit_, exit_by_id_;
  std::set<std::string> blocked_;
};

api::Probe execProbe(const std::string& name, int period = 10, int initial_delay = 0,
                     int success = 0, int failure = 0) {
  api::Probe p;
  p.exec = api::ExecAction{.command = {"probe", name}};
  p.periodSeconds = period;
  p.initialDelaySeconds = initial_delay;
  p.successThreshold = success;
  p.failureThreshold = failure;
  return p;
}

api::Pod makePod(const std::string& uid, std::vector<api::Container> containers) {
  api::Pod pod;
  pod.metadata.name = "pod-" + uid;
  pod.metadata.namespace_ = "default";
  pod.metadata.uid = uid;
  pod.spec.containers = std::move(containers);
  return pod;
}

api::Container container(const std::string& name) {
  api::Container c;
  c.name = name;
  c.image = "busybox";
  return c;
}

struct LivenessCall {
  std::string uid, name, id, message;
};

class ProberManagerTest : public ::testing::Test {
 protected:
  ProberManagerTest() : exec_(clock_) {}

  void start() {
    ProberManagerOptions o;
    o.clock = &clock_;
    o.exec = exec_.runner();
    o.on_liveness_failure = [this](const std::string& uid, const std::string& name,
                                   const std::string& id, const std::string& message) {
      std::lock_guard l(mu_);
      liveness_.push_back({uid, name, id, message});
    };
    o.on_result_changed = [this](const std::string& uid) {
      std::lock_guard l(mu_);
      changed_.push_back(uid);
    };
    o.on_probe_failed = [this](const ProbeFailure& f) {
      std::lock_guard l(mu_);
      failures_.push_back(f);
    };
    mgr_ = std::make_unique<ProberManager>(std::move(o));
  }
  void waitProbes(uint64_t n) { ASSERT_TRUE(mgr_->waitForCompletedProbes(n, kWait)) << n; }
  std::vector<LivenessCall> liveness() {
    std::lock_guard l(mu_);
    return liveness_;
  }
  size_t changed() {
    std::lock_guard l(mu_);
    return changed_.size();
  }
  size_t failures() {
    std::lock_guard l(mu_);
    return failures_.size();
  }

  FakeClock clock_;
  FakeExec exec_;
  std::unique_ptr<ProberManager> mgr_;
  std::mutex mu_;
  std::vector<LivenessCall> liveness_;
  std::vector<std::string> changed_;
  std::vector<ProbeFailure> failures_;
};

TEST_F(ProberManagerTest, ReadinessFollowsTheProbeWithThresholds) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready", 10, 0, 2, 2);
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExit("ready", 0);
  const auto t0 = clock_.now();
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_FALSE(mgr_->started("u1", "app"));
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  EXPECT_TRUE(mgr_->started("u1", "app"));  // no startup probe

  waitProbes(1);
  EXPECT_FALSE(mgr_->readiness("u1", "app"));  // one success of two
  clock_.advance(10s);
  waitProbes(2);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  EXPECT_EQ(changed(), 1u);

  exec_.setExit("ready", 1);
  clock_.advance(10s);
  waitProbes(3);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));  // one failure of two
  clock_.advance(10s);
  waitProbes(4);
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_EQ(changed(), 2u);
  EXPECT_EQ(failures(), 2u);

  auto calls = exec_.calls();
  ASSERT_EQ(calls.size(), 4u);
  for (size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(calls[i].at - t0, std::chrono::seconds(10 * i)) << i;
    EXPECT_EQ(calls[i].container_id, "c1");
  }
}

TEST_F(ProberManagerTest, InitialDelayCountsFromTheContainerStart) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready", 10, 5);
  auto d = container("late");
  d.readinessProbe = execProbe("late", 10, 5);
  mgr_->addPod(makePod("u1", {c, d}), "10.1.0.5");
  const auto t0 = clock_.now();
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  // Started 20 s ago: the delay is over, the first probe is due at once.
  mgr_->containerStarted("u1", "late", "c2", clock_.wallNow() - 20s);
  waitProbes(1);
  clock_.advance(4s);
  clock_.advance(1s);
  waitProbes(2);
  auto calls = exec_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].name, "late");
  EXPECT_EQ(calls[0].at, t0);
  EXPECT_EQ(calls[1].name, "ready");
  EXPECT_EQ(calls[1].at, t0 + 5s);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  EXPECT_TRUE(mgr_->readiness("u1", "late"));
}

TEST_F(ProberManagerTest, LivenessFailureReportsOnceAndHoldsUntilReplaced) {
  start();
  auto c = container("app");
  c.livenessProbe = execProbe("live", 1, 0, 0, 3);
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExit("live", 1);
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  waitProbes(1);
  clock_.advance(1s);
  waitProbes(2);
  EXPECT_TRUE(liveness().empty());
  clock_.advance(1s);
  waitProbes(3);
  auto l = liveness();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].uid, "u1");
  EXPECT_EQ(l[0].name, "app");
  EXPECT_EQ(l[0].id, "c1");
  EXPECT_EQ(l[0].message, "Liveness probe failed: exit 1");
  // On hold: time passes without probes.
  for (int i = 0; i < 5; ++i) clock_.advance(1s);
  // The restarted container is probed again from scratch.
  exec_.setExit("live", 0);
  mgr_->containerStarted("u1", "app", "c2", clock_.wallNow());
  waitProbes(4);
  auto calls = exec_.calls();
  ASSERT_EQ(calls.size(), 4u);
  EXPECT_EQ(calls[3].container_id, "c2");
  EXPECT_EQ(liveness().size(), 1u);
}

TEST_F(ProberManagerTest, StartupProbeGatesTheOthers) {
  start();
  auto c = container("app");
  c.startupProbe = execProbe("start", 1, 0, 0, 10);
  c.livenessProbe = execProbe("live", 1);
  c.readinessProbe = execProbe("ready", 1);
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExit("start", 1);
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  waitProbes(1);
  clock_.advance(1s);
  waitProbes(2);
  EXPECT_FALSE(mgr_->started("u1", "app"));
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_EQ(exec_.callsNamed("start"), 2u);
  EXPECT_EQ(exec_.calls().size(), 2u);

  exec_.setExit("start", 0);
  clock_.advance(1s);
  waitProbes(3);
  EXPECT_TRUE(mgr_->started("u1", "app"));
  // Liveness and readiness begin at once (their delay from the container start is over).
  waitProbes(5);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  clock_.advance(1s);
  waitProbes(7);
  EXPECT_EQ(exec_.callsNamed("start"), 3u);  // done after its success
  EXPECT_EQ(exec_.callsNamed("live"), 2u);
  EXPECT_EQ(exec_.callsNamed("ready"), 2u);
}

TEST_F(ProberManagerTest, StartupFailureRestartsTheContainer) {
  start();
  auto c = container("app");
  c.startupProbe = execProbe("start", 1, 0, 0, 2);
  c.livenessProbe = execProbe("live", 1);
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExit("start", 1);
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  waitProbes(1);
  clock_.advance(1s);
  waitProbes(2);
  auto l = liveness();
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].message, "Startup probe failed: exit 1");
  EXPECT_EQ(exec_.callsNamed("live"), 0u);
}

TEST_F(ProberManagerTest, ContainersWithoutProbes) {
  start();
  api::Pod pod = makePod("u1", {container("app")});
  api::Container sidecar = container("proxy");
  sidecar.restartPolicy = "Always";
  sidecar.readinessProbe = execProbe("proxy");
  pod.spec.initContainers.push_back(sidecar);
  pod.spec.initContainers.push_back(container("init"));
  mgr_->addPod(pod, "10.1.0.5");
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  EXPECT_TRUE(mgr_->started("u1", "app"));
  mgr_->containerStopped("u1", "app", "other-id");  // not the current container: ignored
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  mgr_->containerStopped("u1", "app", "c1");
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_FALSE(mgr_->started("u1", "app"));
  EXPECT_FALSE(mgr_->readiness("u2", "app"));
  EXPECT_FALSE(mgr_->readiness("u1", "nope"));
  // The sidecar is probed like an app container.
  exec_.setExit("proxy", 0);
  mgr_->containerStarted("u1", "proxy", "s1", clock_.wallNow());
  waitProbes(1);
  EXPECT_TRUE(mgr_->readiness("u1", "proxy"));
}

TEST_F(ProberManagerTest, StoppedContainersAreNotProbed) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready", 10);
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExitForId("c1", 0);
  exec_.setExitForId("c2", 1);
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  waitProbes(1);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  mgr_->containerStopped("u1", "app", "c1");
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  for (int i = 0; i < 3; ++i) clock_.advance(10s);
  mgr_->containerStarted("u1", "app", "c2", clock_.wallNow());
  waitProbes(2);
  auto calls = exec_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[1].container_id, "c2");
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
}

TEST_F(ProberManagerTest, TerminatingPodKeepsOnlyReadiness) {
  start();
  auto c = container("app");
  c.livenessProbe = execProbe("live", 1);
  c.readinessProbe = execProbe("ready", 1);
  api::Pod pod = makePod("u1", {c});
  mgr_->addPod(pod, "10.1.0.5");
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  waitProbes(2);
  pod.metadata.deletionTimestamp = api::Time(clock_.wallNow());
  mgr_->addPod(pod, "10.1.0.5");
  clock_.advance(1s);
  waitProbes(3);
  clock_.advance(1s);
  waitProbes(4);
  EXPECT_EQ(exec_.callsNamed("live"), 1u);
  EXPECT_EQ(exec_.callsNamed("ready"), 3u);
}

TEST_F(ProberManagerTest, ASlowProbeDoesNotHoldOthers) {
  start();
  auto slow = container("slow");
  slow.readinessProbe = execProbe("slow");
  auto fast = container("fast");
  fast.readinessProbe = execProbe("fast");
  mgr_->addPod(makePod("u1", {slow}), "10.1.0.5");
  mgr_->addPod(makePod("u2", {fast}), "10.1.0.6");
  exec_.block("slow");
  mgr_->containerStarted("u1", "slow", "s1", clock_.wallNow());
  ASSERT_TRUE(exec_.waitForCalls(1));
  mgr_->containerStarted("u2", "fast", "f1", clock_.wallNow());
  waitProbes(1);
  EXPECT_TRUE(mgr_->readiness("u2", "fast"));
  EXPECT_FALSE(mgr_->readiness("u1", "slow"));
  exec_.unblock("slow");
  waitProbes(2);
  EXPECT_TRUE(mgr_->readiness("u1", "slow"));
}

TEST_F(ProberManagerTest, ResultOfAReplacedContainerIsDropped) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready");
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.setExitForId("c1", 0);
  exec_.setExitForId("c2", 1);
  exec_.block("ready");
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  ASSERT_TRUE(exec_.waitForCalls(1));
  mgr_->containerStarted("u1", "app", "c2", clock_.wallNow());
  exec_.unblock("ready");
  waitProbes(2);  // c1's run (dropped), then c2's first run
  auto calls = exec_.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].container_id, "c1");
  EXPECT_EQ(calls[1].container_id, "c2");
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_EQ(changed(), 0u);
}

TEST_F(ProberManagerTest, RemovedPodForgetsEverything) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready");
  mgr_->addPod(makePod("u1", {c}), "10.1.0.5");
  exec_.block("ready");
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  ASSERT_TRUE(exec_.waitForCalls(1));
  mgr_->removePod("u1");
  exec_.unblock("ready");
  waitProbes(1);
  EXPECT_FALSE(mgr_->readiness("u1", "app"));
  EXPECT_EQ(changed(), 0u);
  clock_.advance(10s);
  mgr_->containerStarted("u1", "app", "c2", clock_.wallNow());  // unknown pod: ignored
  EXPECT_FALSE(mgr_->started("u1", "app"));
}

TEST_F(ProberManagerTest, PodAddedAgainWhileAnOldRunIsInFlight) {
  start();
  auto c = container("app");
  c.readinessProbe = execProbe("ready", 10);
  api::Pod pod = makePod("u1", {c});
  mgr_->addPod(pod, "10.1.0.5");
  exec_.setExit("ready", 0);
  exec_.block("ready");
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  ASSERT_TRUE(exec_.waitForCalls(1));
  mgr_->removePod("u1");
  mgr_->addPod(pod, "10.1.0.5");
  mgr_->containerStarted("u1", "app", "c1", clock_.wallNow());
  ASSERT_TRUE(exec_.waitForCalls(2));  // the new worker's run, while the old one still runs
  exec_.unblock("ready");
  waitProbes(2);
  EXPECT_TRUE(mgr_->readiness("u1", "app"));
  clock_.advance(10s);
  waitProbes(3);
  EXPECT_EQ(exec_.calls().size(), 3u);  // no extra run came from the old one
}

TEST_F(ProberManagerTest, HttpGetWithANamedPortAgainstTheDefaultHost) {
  start();
  probe_test::ProbeHttpServer srv([](const probe_test::SeenRequest&) {
    return probe_test::CannedResponse{200, {}, "ok"};
  });
  auto c = container("web");
  c.ports.push_back(api::ContainerPort{.name = "http", .containerPort = srv.port()});
  api::Probe p;
  p.httpGet = api::HTTPGetAction{.path = "/ready", .port = api::IntOrString("http")};
  c.readinessProbe = p;
  mgr_->addPod(makePod("u1", {c}), "127.0.0.1");
  mgr_->containerStarted("u1", "web", "w1", clock_.wallNow());
  waitProbes(1);
  EXPECT_TRUE(mgr_->readiness("u1", "web"));
  auto reqs = srv.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].target, "/ready");
}

TEST(ProbePool, GrowsToTheLimitThenQueues) {
  ProbePool pool(2, 1, std::chrono::milliseconds(50));
  std::mutex mu;
  std::condition_variable cv;
  int running = 0, done = 0;
  bool release = false;
  for (int i = 0; i < 3; ++i) {
    pool.submit([&] {
      std::unique_lock l(mu);
      ++running;
      cv.notify_all();
      cv.wait(l, [&] { return release; });
      ++done;
      cv.notify_all();
    });
  }
  {
    std::unique_lock l(mu);
    ASSERT_TRUE(cv.wait_for(l, kWait, [&] { return running == 2; }));
  }
  EXPECT_EQ(pool.threads(), 2u);
  {
    std::lock_guard l(mu);
    EXPECT_EQ(running, 2);  // the third waits for a thread
    release = true;
  }
  cv.notify_all();
  std::unique_lock l(mu);
  ASSERT_TRUE(cv.wait_for(l, kWait, [&] { return done == 3; }));
  l.unlock();
  // Idle threads beyond the minimum end.
  for (int i = 0; i < 2000 && pool.threads() > 1; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(pool.threads(), 1u);
}

}  // namespace
}  // namespace orch::agent
