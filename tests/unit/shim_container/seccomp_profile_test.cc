#include "runtime-shim/container/seccomp_profile.h"

#include <gtest/gtest.h>

#include "runtime-shim/container/launch_spec.h"
#include "tests/support/temp_dir.h"

namespace orch::shim {
namespace {

using nlohmann::json;

const char* kLocalhostProfile = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"],
  "syscalls": [
    {"names": ["read", "write", "exit_group", "no_such_syscall_here"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["personality"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
    {"names": ["socket"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
              {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["ptrace"], "action": "SCMP_ACT_KILL_PROCESS"},
    {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
    {"names": ["getpid"], "action": "SCMP_ACT_TRAP"},
    {"names": ["getppid"], "action": "SCMP_ACT_LOG"},
    {"names": ["gettid"], "action": "SCMP_ACT_KILL"},
    {"names": ["uname"], "action": "SCMP_ACT_TRACE", "errnoRet": 5},
    {"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1}
  ]
})";

std::string pfcOf(const json& profile, const std::vector<std::string>& caps) {
  auto f = buildSeccompFilter(profile, caps);
  EXPECT_TRUE(f.ok()) << f.status().message();
  if (!f.ok()) return "";
  auto pfc = f->exportPfc();
  EXPECT_TRUE(pfc.ok()) << pfc.status().message();
  return pfc.ok() ? *pfc : "";
}

bool mentions(const std::string& pfc, const std::string& syscall) {
  return pfc.find("\"" + syscall + "\"") != std::string::npos;
}

TEST(SeccompProfileTest, LocalhostProfileBuildsItsRules) {
  orch::testing::TempDir dir;
  SeccompSpec spec{SeccompSpec::Kind::kLocalhost, dir.write("profile.json", kLocalhostProfile)};
  auto filter = seccompFilterFor(spec, {});
  ASSERT_TRUE(filter.ok()) << filter.status().message();
  ASSERT_TRUE(filter->has_value());
  auto pfc = (*filter)->exportPfc();
  ASSERT_TRUE(pfc.ok()) << pfc.status().message();
  for (const char* s : {"read", "write", "personality", "socket", "clone", "ptrace", "mkdir",
                        "getpid", "getppid", "gettid", "uname"}) {
    EXPECT_TRUE(mentions(*pfc, s)) << s << " missing in\n" << *pfc;
  }
  // Same action as the default (ERRNO(1) = EPERM): a no-op rule, left out.
  EXPECT_FALSE(mentions(*pfc, "rmdir"));
  EXPECT_NE(pfc->find("KILL_PROCESS"), std::string::npos);
  EXPECT_NE(pfc->find("ERRNO(38)"), std::string::npos);
  EXPECT_NE(pfc->find("TRAP"), std::string::npos);
  EXPECT_NE(pfc->find("TRACE(5)"), std::string::npos);
  EXPECT_NE(pfc->find("LOG"), std::string::npos);
  // x86 (32-bit) was asked for too.
  EXPECT_NE(pfc->find("x86"), std::string::npos);
}

TEST(SeccompProfileTest, UnconfinedHasNoFilter) {
  auto f = seccompFilterFor({SeccompSpec::Kind::kUnconfined, ""}, {});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->has_value());
}

TEST(SeccompProfileTest, ErrorsNameTheField) {
  json bad_action = json::parse(kLocalhostProfile);
  bad_action["syscalls"][1]["action"] = "SCMP_ACT_FOO";
  auto f = buildSeccompFilter(bad_action, {});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().context().find("syscalls[1].action: unknown action \"SCMP_ACT_FOO\""),
            std::string::npos)
      << f.status().message();

  json bad_op = json::parse(kLocalhostProfile);
  bad_op["syscalls"][1]["args"][0]["op"] = "SCMP_CMP_SIDEWAYS";
  f = buildSeccompFilter(bad_op, {});
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().context().find("syscalls[1].args[0].op"), std::string::npos)
      << f.status().message();

  json no_default = json::parse(kLocalhostProfile);
  no_default.erase("defaultAction");
  EXPECT_FALSE(buildSeccompFilter(no_default, {}).ok());
}

TEST(SeccompProfileTest, LocalhostFileErrorsNameTheFile) {
  orch::testing::TempDir dir;
  auto missing = seccompFilterFor({SeccompSpec::Kind::kLocalhost, dir.path() + "/nope.json"}, {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ENOENT);
  EXPECT_NE(missing.status().context().find("nope.json"), std::string::npos);
  auto garbage =
      seccompFilterFor({SeccompSpec::Kind::kLocalhost, dir.write("bad.json", "{not json")}, {});
  ASSERT_FALSE(garbage.ok());
  EXPECT_NE(garbage.status().context().find("not valid JSON"), std::string::npos);
}

TEST(SeccompProfileTest, RuntimeDefaultDependsOnCapabilities) {
  const json& profile = runtimeDefaultSeccompProfile();
  EXPECT_EQ(profile["defaultAction"], "SCMP_ACT_ERRNO");
  std::string plain = pfcOf(profile, defaultCapabilities());
  for (const char* s : {"read", "execve", "openat", "socket", "personality", "clone", "clone3",
                        "arch_prctl", "chroot"}) {
    EXPECT_TRUE(mentions(plain, s)) << s;
  }
  // Only with CAP_SYS_ADMIN: unshare, mount, setns (and clone without the namespace mask).
  for (const char* s : {"unshare", "mount", "setns", "bpf", "reboot"}) {
    EXPECT_FALSE(mentions(plain, s)) << s;
  }
  EXPECT_NE(plain.find("ERRNO(38)"), std::string::npos);  // clone3 → ENOSYS

  std::vector<std::string> admin = defaultCapabilities();
  admin.push_back("CAP_SYS_ADMIN");
  std::string with_admin = pfcOf(profile, admin);
  for (const char* s : {"unshare", "mount", "setns", "clone3"}) {
    EXPECT_TRUE(mentions(with_admin, s)) << s;
  }
  EXPECT_EQ(with_admin.find("ERRNO(38)"), std::string::npos);
}

}  // namespace
}  // namespace orch::shim
