// computePodActions, table-driven: fresh pods, dead sandboxes, init containers under each
// restartPolicy, sidecars, app containers, probes, spec changes; then restart counts and
// crash-loop back-off on a fake clock.

#include "agent/kuberuntime/pod_actions.h"

#include <gtest/gtest.h>

#include "agent/kuberuntime/labels.h"
#include "tests/fakes/fake_clock.h"
#include "tests/unit/agent_kuberuntime/test_pods.h"

namespace orch::agent {
namespace {

namespace v1 = runtime::v1;
using std::chrono::seconds;
using testing::container;
using testing::sidecar;

constexpr auto READY = v1::SANDBOX_READY;
constexpr auto NOTREADY = v1::SANDBOX_NOTREADY;
constexpr auto CREATED = v1::CONTAINER_CREATED;
constexpr auto RUNNING = v1::CONTAINER_RUNNING;
constexpr auto EXITED = v1::CONTAINER_EXITED;
constexpr auto UNKNOWN = v1::CONTAINER_UNKNOWN;

// What the runtime holds for a pod; things added later are newer.
class PodState {
 public:
  explicit PodState(api::Pod pod, Clock::WallTime base = Clock::WallTime(seconds(1000)))
      : pod_(std::move(pod)), base_(base) {}

  PodState& sandbox(v1::PodSandboxState state, uint32_t attempt = 0,
                    const std::string& ip = "10.0.0.2", v1::NamespaceMode mode = v1::POD) {
    SandboxRuntimeStatus s;
    s.id = "sb" + std::to_string(attempt) + "-" + std::to_string(t_);
    s.attempt = attempt;
    s.state = state;
    s.created_at = next();
    s.network_mode = mode;
    s.has_network_status = true;
    s.ip = ip;
    sandboxes_.push_back(s);
    return *this;
  }
  PodState& ctr(const std::string& name, v1::ContainerState state, int32_t exit_code = 0,
                int32_t restart_count = 0, const std::string& reason = "", bool changed = false) {
    ContainerRuntimeStatus c;
    c.name = name;
    c.id = name + "-" + std::to_string(restart_count);
    c.sandbox_id = sandboxes_.empty() ? "" : sandboxes_.back().id;
    c.state = state;
    c.created_at = next();
    c.started_at = c.created_at;
    if (state == EXITED) c.finished_at = c.created_at + seconds(1);
    c.exit_code = exit_code;
    c.reason = reason;
    c.restart_count = restart_count;
    if (const api::Container* spec = find(name)) c.hash = hashContainer(*spec);
    if (changed) c.hash += 1;
    containers_.push_back(c);
    return *this;
  }
  PodState& changed(const std::string& name, v1::ContainerState state) {
    return ctr(name, state, 0, 0, "", true);
  }
  PodRuntimeStatus build() const {
    return assemblePodRuntimeStatus(pod_.metadata.uid, pod_.metadata.name, pod_.metadata.namespace_,
                                    sandboxes_, containers_);
  }

 private:
  Clock::WallTime next() { return base_ + seconds(++t_ * 10); }
  const api::Container* find(const std::string& name) const {
    for (const auto& c : pod_.spec.initContainers)
      if (c.name == name) return &c;
    for (const auto& c : pod_.spec.containers)
      if (c.name == name) return &c;
    return nullptr;
  }

  api::Pod pod_;
  Clock::WallTime base_;
  int t_ = 0;
  std::vector<SandboxRuntimeStatus> sandboxes_;
  std::vector<ContainerRuntimeStatus> containers_;
};

// "kill_pod create(1) kill[app:LivenessProbe] init[init1] start[app]" or "nothing".
std::string summary(const PodActions& a) {
  std::string s;
  auto names = [](const std::vector<ContainerToStart>& v) {
    std::string out;
    for (const auto& c : v) out += (out.empty() ? "" : ",") + c.name;
    return out;
  };
  if (a.kill_pod) s += "kill_pod ";
  if (a.create_sandbox) s += "create(" + std::to_string(a.attempt) + ") ";
  if (!a.containers_to_kill.empty()) {
    std::string k;
    for (const auto& c : a.containers_to_kill)
      k += (k.empty() ? "" : ",") + c.name + ":" + std::string(killReasonName(c.reason));
    s += "kill[" + k + "] ";
  }
  if (!a.init_containers_to_start.empty()) s += "init[" + names(a.init_containers_to_start) + "] ";
  if (!a.containers_to_start.empty()) s += "start[" + names(a.containers_to_start) + "] ";
  if (s.empty()) return "nothing";
  s.pop_back();
  return s;
}

api::Pod simple(const std::string& policy) {
  api::Pod p = testing::pod();
  p.spec.restartPolicy = policy;
  return p;
}
api::Pod two(const std::string& policy) {
  api::Pod p = simple(policy);
  p.spec.containers = {container("a"), container("b")};
  return p;
}
api::Pod withInit(const std::string& policy) {
  api::Pod p = simple(policy);
  p.spec.initContainers = {container("init1"), container("init2")};
  return p;
}
api::Pod withSidecar(const std::string& policy) {
  api::Pod p = simple(policy);
  p.spec.initContainers = {sidecar("side"), container("init1")};
  return p;
}
api::Pod hostNet(api::Pod p) {
  p.spec.hostNetwork = true;
  return p;
}
api::Pod withProbes(api::Pod p, bool startup, bool liveness) {
  for (auto* list : {&p.spec.initContainers, &p.spec.containers}) {
    for (auto& c : *list) {
      if (startup) c.startupProbe.emplace();
      if (liveness) c.livenessProbe.emplace();
    }
  }
  return p;
}
api::Pod deleted(api::Pod p) {
  p.metadata.deletionTimestamp.emplace();
  return p;
}

ProbeResults liveness(const std::string& id, ProbeState s) {
  ProbeResults r;
  r.liveness[id] = s;
  return r;
}
ProbeResults startup(const std::string& id, ProbeState s) {
  ProbeResults r;
  r.startup[id] = s;
  return r;
}

struct Case {
  std::string name;
  api::Pod pod;
  PodRuntimeStatus status;
  ProbeResults probes;
  std::string want;
};

std::vector<Case> cases() {
  const auto kFail = ProbeState::kFailure;
  const auto kOk = ProbeState::kSuccess;
  auto S = [](const api::Pod& p) { return PodState(p); };
  std::vector<Case> v = {
      // ---- sandbox ----
      {"fresh pod",
       simple("Always"),
       S(simple("Always")).build(),
       {},
       "kill_pod create(0) start[app]"},
      {"fresh pod with init containers",
       withInit("Always"),
       S(withInit("Always")).build(),
       {},
       "kill_pod create(0) init[init1]"},
      {"running and healthy",
       simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", RUNNING).build(),
       {},
       "nothing"},
      {"sandbox died",
       simple("Always"),
       S(simple("Always")).sandbox(NOTREADY).ctr("app", RUNNING).build(),
       {},
       "kill_pod create(1) kill[app:SandboxChanged] start[app]"},
      {"sandbox died, Never, containers ran",
       simple("Never"),
       S(simple("Never")).sandbox(NOTREADY).ctr("app", EXITED, 0).build(),
       {},
       "kill_pod"},
      {"sandbox died, Never, nothing ran yet",
       simple("Never"),
       S(simple("Never")).sandbox(NOTREADY).build(),
       {},
       "kill_pod create(1) start[app]"},
      {"sandbox died, OnFailure, all succeeded",
       two("OnFailure"),
       S(two("OnFailure")).sandbox(NOTREADY).ctr("a", EXITED, 0).ctr("b", EXITED, 0).build(),
       {},
       "kill_pod"},
      {"sandbox died, OnFailure, one failed",
       two("OnFailure"),
       S(two("OnFailure")).sandbox(NOTREADY).ctr("a", EXITED, 0).ctr("b", EXITED, 1).build(),
       {},
       "kill_pod create(1) start[b]"},
      {"sandbox died with init containers: start over",
       withInit("Always"),
       S(withInit("Always"))
           .sandbox(NOTREADY)
           .ctr("init1", EXITED)
           .ctr("init2", EXITED)
           .ctr("app", RUNNING)
           .build(),
       {},
       "kill_pod create(1) kill[app:SandboxChanged] init[init1]"},
      {"two ready sandboxes",
       simple("Always"),
       S(simple("Always")).sandbox(READY, 0).sandbox(READY, 1).ctr("app", RUNNING).build(),
       {},
       "kill_pod create(2) kill[app:SandboxChanged] start[app]"},
      {"hostNetwork changed",
       hostNet(simple("Always")),
       S(simple("Always")).sandbox(READY).ctr("app", RUNNING).build(),
       {},
       "kill_pod create(1) kill[app:SandboxChanged] start[app]"},
      {"sandbox without IP",
       simple("Always"),
       S(simple("Always")).sandbox(READY, 0, "").ctr("app", RUNNING).build(),
       {},
       "kill_pod create(1) kill[app:SandboxChanged] start[app]"},
      {"host-network sandbox needs no IP",
       hostNet(simple("Always")),
       S(simple("Always")).sandbox(READY, 0, "", v1::NODE).ctr("app", RUNNING).build(),
       {},
       "nothing"},

      // ---- init containers ----
      {"first init container",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).build(),
       {},
       "init[init1]"},
      {"init1 running: wait",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", RUNNING).build(),
       {},
       "nothing"},
      {"init1 done: init2",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", EXITED).build(),
       {},
       "init[init2]"},
      {"all init done: app",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", EXITED).ctr("init2", EXITED).build(),
       {},
       "start[app]"},
      {"only the last init container is known",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init2", EXITED).build(),
       {},
       "start[app]"},
      {"init failed, Always: retry",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", EXITED, 1).build(),
       {},
       "init[init1]"},
      {"init failed, OnFailure: retry",
       withInit("OnFailure"),
       S(withInit("OnFailure")).sandbox(READY).ctr("init1", EXITED, 1).build(),
       {},
       "init[init1]"},
      {"init failed, Never: pod fails",
       withInit("Never"),
       S(withInit("Never")).sandbox(READY).ctr("init1", EXITED, 1).build(),
       {},
       "kill_pod"},
      {"init OOMKilled, Never: pod fails",
       withInit("Never"),
       S(withInit("Never")).sandbox(READY).ctr("init1", EXITED, 0, 0, "OOMKilled").build(),
       {},
       "kill_pod"},
      {"init stuck in created",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", CREATED).build(),
       {},
       "init[init1]"},
      {"init unknown, Always: kill and retry",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("init1", UNKNOWN).build(),
       {},
       "kill[init1:Unknown] init[init1]"},
      {"init unknown, Never: pod fails",
       withInit("Never"),
       S(withInit("Never")).sandbox(READY).ctr("init1", UNKNOWN).build(),
       {},
       "kill_pod kill[init1:PodDone]"},
      {"app running: initialized even if init containers are gone",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("app", RUNNING).build(),
       {},
       "nothing"},
      {"only an exited app (after reboot): init again",
       withInit("Always"),
       S(withInit("Always")).sandbox(READY).ctr("app", EXITED, 1).build(),
       {},
       "init[init1]"},

      // ---- sidecars ----
      {"sidecar starts first",
       withSidecar("Always"),
       S(withSidecar("Always")).sandbox(READY).build(),
       {},
       "init[side]"},
      {"sidecar running: next init container",
       withSidecar("Always"),
       S(withSidecar("Always")).sandbox(READY).ctr("side", RUNNING).build(),
       {},
       "init[init1]"},
      {"sidecar startup probe pending: wait",
       withProbes(withSidecar("Always"), true, false),
       S(withSidecar("Always")).sandbox(READY).ctr("side", RUNNING).build(),
       {},
       "nothing"},
      {"sidecar startup probe failed", withProbes(withSidecar("Always"), true, false),
       S(withSidecar("Always")).sandbox(READY).ctr("side", RUNNING).build(),
       startup("side-0", kFail), "kill[side:StartupProbe] init[side]"},
      {"sidecar started: next", withProbes(withSidecar("Always"), true, false),
       S(withSidecar("Always")).sandbox(READY).ctr("side", RUNNING).build(), startup("side-0", kOk),
       "init[init1]"},
      {"init done next to a sidecar: app",
       withSidecar("Always"),
       S(withSidecar("Always")).sandbox(READY).ctr("side", RUNNING).ctr("init1", EXITED).build(),
       {},
       "start[app]"},
      {"sidecar exited while app runs: restart it",
       withSidecar("Always"),
       S(withSidecar("Always"))
           .sandbox(READY)
           .ctr("side", EXITED, 0)
           .ctr("init1", EXITED)
           .ctr("app", RUNNING)
           .build(),
       {},
       "init[side]"},
      {"sidecar gone while app runs: restart it",
       withSidecar("Never"),
       S(withSidecar("Never")).sandbox(READY).ctr("init1", EXITED).ctr("app", RUNNING).build(),
       {},
       "init[side]"},
      {"sidecar failed liveness", withProbes(withSidecar("Always"), false, true),
       S(withSidecar("Always"))
           .sandbox(READY)
           .ctr("side", RUNNING)
           .ctr("init1", EXITED)
           .ctr("app", RUNNING)
           .build(),
       liveness("side-0", kFail), "kill[side:LivenessProbe] init[side]"},
      {"sidecar spec changed",
       withSidecar("Always"),
       S(withSidecar("Always"))
           .sandbox(READY)
           .changed("side", RUNNING)
           .ctr("init1", EXITED)
           .ctr("app", RUNNING)
           .build(),
       {},
       "kill[side:SpecChanged] init[side]"},
      {"app done, sidecar must not keep the pod alive",
       withSidecar("OnFailure"),
       S(withSidecar("OnFailure"))
           .sandbox(READY)
           .ctr("side", RUNNING)
           .ctr("init1", EXITED)
           .ctr("app", EXITED, 0)
           .build(),
       {},
       "kill_pod kill[side:PodDone]"},

      // ---- app containers ----
      {"Always: exited 0 restarts",
       simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", EXITED, 0).build(),
       {},
       "start[app]"},
      {"OnFailure: exited 0 is done",
       simple("OnFailure"),
       S(simple("OnFailure")).sandbox(READY).ctr("app", EXITED, 0).build(),
       {},
       "kill_pod"},
      {"OnFailure: exited 1 restarts",
       simple("OnFailure"),
       S(simple("OnFailure")).sandbox(READY).ctr("app", EXITED, 1).build(),
       {},
       "start[app]"},
      {"Never: exited 1 stays",
       simple("Never"),
       S(simple("Never")).sandbox(READY).ctr("app", EXITED, 1).build(),
       {},
       "kill_pod"},
      {"Never: one of two exited",
       two("Never"),
       S(two("Never")).sandbox(READY).ctr("a", RUNNING).ctr("b", EXITED, 0).build(),
       {},
       "nothing"},
      {"stuck in created: start again",
       simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", CREATED).build(),
       {},
       "start[app]"},
      {"unknown: kill, then start",
       simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", UNKNOWN).build(),
       {},
       "kill[app:Unknown] start[app]"},
      {"spec changed: restart even under Never",
       simple("Never"),
       S(simple("Never")).sandbox(READY).changed("app", RUNNING).build(),
       {},
       "kill[app:SpecChanged] start[app]"},
      {"liveness failed: restart", simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", RUNNING).build(), liveness("app-0", kFail),
       "kill[app:LivenessProbe] start[app]"},
      {"liveness failed under Never: killed, pod done", simple("Never"),
       S(simple("Never")).sandbox(READY).ctr("app", RUNNING).build(), liveness("app-0", kFail),
       "kill_pod kill[app:LivenessProbe]"},
      {"liveness passing or pending: keep", simple("Always"),
       S(simple("Always")).sandbox(READY).ctr("app", RUNNING).build(), liveness("app-0", kOk),
       "nothing"},
      {"startup failed: restart", simple("OnFailure"),
       S(simple("OnFailure")).sandbox(READY).ctr("app", RUNNING).build(), startup("app-0", kFail),
       "kill[app:StartupProbe] start[app]"},
      {"probe result of an older instance does not count", simple("Always"),
       S(simple("Always"))
           .sandbox(READY)
           .ctr("app", EXITED, 1, 0)
           .ctr("app", RUNNING, 0, 1)
           .build(),
       liveness("app-0", kFail), "nothing"},
      {"deleted pod: no restarts",
       deleted(simple("Always")),
       S(simple("Always")).sandbox(READY).ctr("app", EXITED, 1).build(),
       {},
       "kill_pod"},
  };
  return v;
}

TEST(ComputePodActions, Table) {
  for (const Case& c : cases()) {
    SCOPED_TRACE(c.name);
    PodActions a = computePodActions(c.pod, c.status, c.probes);
    EXPECT_EQ(summary(a), c.want) << c.name;
  }
}

TEST(ComputePodActions, SandboxIdAttemptAndInitialized) {
  api::Pod p = withInit("Always");
  PodRuntimeStatus st =
      PodState(p).sandbox(NOTREADY, 0).sandbox(READY, 1).ctr("init1", EXITED).build();
  PodActions a = computePodActions(p, st);
  EXPECT_FALSE(a.create_sandbox);
  EXPECT_EQ(a.sandbox_id, st.sandboxes[0].id);
  EXPECT_EQ(a.attempt, 1u);
  EXPECT_FALSE(a.initialized);
  ASSERT_EQ(a.init_containers_to_start.size(), 1u);
  EXPECT_TRUE(a.init_containers_to_start[0].init);
  EXPECT_EQ(a.init_containers_to_start[0].index, 1);

  st = PodState(p).sandbox(READY).ctr("init1", EXITED).ctr("init2", EXITED).build();
  a = computePodActions(p, st);
  EXPECT_TRUE(a.initialized);
  ASSERT_EQ(a.containers_to_start.size(), 1u);
  EXPECT_FALSE(a.containers_to_start[0].init);
  EXPECT_EQ(a.containers_to_start[0].index, 0);
  EXPECT_FALSE(a.nothingToDo());

  // The kill list says what and where.
  api::Pod s = simple("Always");
  st = PodState(s).sandbox(READY).ctr("app", RUNNING).build();
  a = computePodActions(s, st, liveness("app-0", ProbeState::kFailure));
  ASSERT_EQ(a.containers_to_kill.size(), 1u);
  EXPECT_EQ(a.containers_to_kill[0].id, "app-0");
  EXPECT_EQ(a.containers_to_kill[0].index, 0);
  EXPECT_FALSE(a.containers_to_kill[0].init);
  EXPECT_EQ(a.containers_to_kill[0].message,
            "Container app failed liveness probe, will be restarted");
}

TEST(ComputePodActions, RestartCounts) {
  api::Pod p = simple("Always");
  PodActions a = computePodActions(p, PodState(p).sandbox(READY).build());
  ASSERT_EQ(a.containers_to_start.size(), 1u);
  EXPECT_EQ(a.containers_to_start[0].restart_count, 0);
  EXPECT_FALSE(a.containers_to_start[0].known_to_runtime);
  EXPECT_FALSE(a.containers_to_start[0].last_finished_at.has_value());

  PodRuntimeStatus st =
      PodState(p).sandbox(READY).ctr("app", EXITED, 1, 2).ctr("app", EXITED, 1, 3).build();
  a = computePodActions(p, st);
  ASSERT_EQ(a.containers_to_start.size(), 1u);
  EXPECT_EQ(a.containers_to_start[0].restart_count, 4);
  EXPECT_TRUE(a.containers_to_start[0].known_to_runtime);
  EXPECT_EQ(a.containers_to_start[0].last_finished_at, st.containers[0].finished_at);
  EXPECT_EQ(a.containers_to_start[0].backoff_key, crashBackoffKey(p, p.spec.containers[0]));
}

TEST(ComputePodActions, CrashLoopBackoff) {
  orch::testing::FakeClock clock;
  BackoffPolicy backoff(clock);
  api::Pod p = simple("Always");
  const std::string key = crashBackoffKey(p, p.spec.containers[0]);

  // First exit: restart at once, and the sync loop records it.
  PodRuntimeStatus st = PodState(p, clock.wallNow()).sandbox(READY).ctr("app", EXITED, 1).build();
  PodActions a = computePodActions(p, st, {}, &backoff);
  ASSERT_EQ(a.containers_to_start.size(), 1u);
  EXPECT_FALSE(a.containers_to_start[0].backoff_until.has_value());
  backoff.recordRestart(key, *a.containers_to_start[0].last_finished_at);

  // It crashes again: held back 10 s from its finish time.
  clock.advance(seconds(60));
  st = PodState(p, clock.wallNow() - seconds(30)).sandbox(READY).ctr("app", EXITED, 1, 1).build();
  const Clock::WallTime finished = st.containers[0].finished_at;  // base + 20s + 1s
  a = computePodActions(p, st, {}, &backoff);
  ASSERT_EQ(a.containers_to_start.size(), 1u);
  const ContainerToStart& c = a.containers_to_start[0];
  ASSERT_TRUE(c.backoff_until.has_value());
  EXPECT_EQ(*c.backoff_until, finished + seconds(10));
  EXPECT_EQ(c.backoff_message,
            "back-off 10s restarting failed container=app pod=web_default(uid-1)");
  EXPECT_EQ(c.restart_count, 2);

  clock.advance(seconds(1));  // finished + 10 s is now: released
  a = computePodActions(p, st, {}, &backoff);
  EXPECT_FALSE(a.containers_to_start[0].backoff_until.has_value());
  backoff.recordRestart(key, finished);

  // The next crash waits 20 s.
  a = computePodActions(p, st, {}, &backoff);
  EXPECT_EQ(*a.containers_to_start[0].backoff_until, finished + seconds(20));
  EXPECT_EQ(a.containers_to_start[0].backoff_message.substr(0, 12), "back-off 20s");

  // Init containers get the same treatment.
  api::Pod pi = withInit("Always");
  BackoffPolicy init_backoff(clock);
  init_backoff.recordRestart(crashBackoffKey(pi, pi.spec.initContainers[0]), clock.wallNow());
  st = PodState(pi, clock.wallNow()).sandbox(READY).ctr("init1", EXITED, 1).build();
  a = computePodActions(pi, st, {}, &init_backoff);
  ASSERT_EQ(a.init_containers_to_start.size(), 1u);
  EXPECT_TRUE(a.init_containers_to_start[0].backoff_until.has_value());
}

}  // namespace
}  // namespace orch::agent
