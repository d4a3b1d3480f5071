#include "runtime-shim/container/launch_spec.h"

#include <gtest/gtest.h>

namespace orch::shim {
namespace {

LaunchSpec fullSpec() {
  LaunchSpec s;
  s.args = {"/bin/sh", "-c", "echo hi"};
  s.env = {"PATH=/bin", "A=b=c"};
  s.cwd = "/work";
  s.lower_dirs = {"/layers/1", "/layers/2"};
  s.upper_dir = "/c/upper";
  s.work_dir = "/c/work";
  s.rootfs_dir = "/c/rootfs";
  s.readonly_rootfs = true;
  s.hostname = "pod-a";
  s.namespaces = {{"pid", ""}, {"net", "/run/netns/x"}, {"mnt", ""}};
  s.mounts = {{"/host/data", "/data", "bind", {"rbind", "ro"}, "rslave"},
              {"tmpfs", "/tmp", "tmpfs", {"nosuid", "size=64k"}, ""}};
  s.masked_paths = {"/proc/kcore"};
  s.readonly_paths = {"/proc/sys"};
  s.sysctls = {{"net.ipv4.ip_forward", "1"}};
  s.cgroup_path = "/orch/pod1/c1";
  s.resources = {512, 50000, 100000, 32 << 20, 100, "0-1", "0"};
  s.privileged = false;
  s.capabilities = {"CAP_CHOWN", "CAP_KILL"};
  s.no_new_privs = false;
  s.seccomp = {SeccompSpec::Kind::kLocalhost, "/etc/profile.json"};
  s.uid = 1000;
  s.gid = 2000;
  s.additional_gids = {3, 4};
  s.rlimits = {{"RLIMIT_NOFILE", 1024, 4096}};
  s.oom_score_adj = 500;
  s.log_path = "/var/log/pods/x/0.log";
  s.tty = true;
  return s;
}

TEST(LaunchSpecTest, RoundTripsEveryField) {
  LaunchSpec s = fullSpec();
  auto back = launchSpecFromJson(toJson(s));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, s);
  // And through text.
  auto again = launchSpecFromJson(nlohmann::json::parse(toJson(s).dump()));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, s);
}

TEST(LaunchSpecTest, RoundTripsDefaults) {
  LaunchSpec s;
  s.args = {"pause"};
  auto back = launchSpecFromJson(toJson(s));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, s);
  EXPECT_FALSE(back->oom_score_adj.has_value());
  EXPECT_TRUE(back->no_new_privs);
}

TEST(LaunchSpecTest, MissingFieldsTakeDefaults) {
  auto s = launchSpecFromJson({{"args", {"x"}}});
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->cwd, "/");
  EXPECT_EQ(s->seccomp.kind, SeccompSpec::Kind::kUnconfined);
}

void expectError(nlohmann::json j, const std::string& field_message) {
  auto s = launchSpecFromJson(j);
  ASSERT_FALSE(s.ok()) << "accepted: " << j.dump();
  EXPECT_EQ(s.status().code(), EINVAL);
  EXPECT_NE(s.status().context().find(field_message), std::string::npos)
      << s.status().message() << " lacks " << field_message;
}

TEST(LaunchSpecTest, ErrorsNameTheField) {
  nlohmann::json base = toJson(fullSpec());
  auto with = [&](const char* key, nlohmann::json v) {
    nlohmann::json j = base;
    j[key] = std::move(v);
    return j;
  };
  expectError("nope", "spec: expected an object");
  expectError(with("args", nlohmann::json::array()), "spec.args: must not be empty");
  expectError(with("args", {"a", 3}), "spec.args[1]: expected a string");
  expectError(with("cwd", "rel"), "spec.cwd: must be an absolute path");
  expectError(with("env", {"NOEQUALS"}), "spec.env[0]");
  expectError(with("namespaces", {{{"type", "pid"}}, {{"type", "net"}}, {{"type", "foo"}}}),
              "spec.namespaces[2].type: unknown namespace \"foo\"");
  expectError(with("namespaces", {{{"type", "pid"}}, {{"type", "pid"}}}),
              "spec.namespaces[1].type: namespace \"pid\" given twice");
  expectError(with("mounts", {{{"destination", "rel"}, {"type", "bind"}}}),
              "spec.mounts[0].destination: must be an absolute path");
  expectError(with("mounts", {{{"destination", "/x"}, {"type", "bind"}, {"propagation", "odd"}}}),
              "spec.mounts[0].propagation: unknown propagation \"odd\"");
  expectError(with("rlimits", {{{"type", "RLIMIT_FOO"}}}), "spec.rlimits[0].type: unknown rlimit");
  expectError(with("uid", -1), "spec.uid: out of range");
  expectError(with("uid", "0"), "spec.uid: expected an integer");
  expectError(with("capabilities", {"CAP_CHOWN", "CAP_NOPE"}),
              "spec.capabilities[1]: unknown capability \"CAP_NOPE\"");
  expectError(with("seccomp", {{"kind", "Strict"}}), "spec.seccomp.kind: unknown seccomp kind");
  expectError(with("seccomp", {{"kind", "Localhost"}}), "spec.seccomp.localhost_path: required");
  expectError(with("resources", {{"memory_limit_bytes", "1Gi"}}),
              "spec.resources.memory_limit_bytes: expected an integer");
  expectError(with("oom_score_adj", 5000), "spec.oom_score_adj: outside -1000..1000");
  expectError(with("additional_gids", {1, "x"}), "spec.additional_gids[1]: expected an integer");
  expectError(with("cgroup_path", "/a/../b"), "spec.cgroup_path");
  expectError(with("sysctls", {{"net.x", 1}}), "spec.sysctls.net.x: expected a string");
  expectError(with("tty", 1), "spec.tty: expected a boolean");
}

TEST(LaunchSpecTest, DefaultCapabilitiesAreContainerds) {
  const auto& caps = defaultCapabilities();
  EXPECT_EQ(caps.size(), 14u);
  for (const char* c : {"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
                        "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
                        "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"}) {
    EXPECT_NE(std::find(caps.begin(), caps.end(), c), caps.end()) << c;
  }
  EXPECT_EQ(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN"), caps.end());
}

}  // namespace
}  // namespace orch::shim
