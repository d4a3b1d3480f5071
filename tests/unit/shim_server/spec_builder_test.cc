// CRI → LaunchSpec translation, image users, ids and pod files: pure logic, no root.
#include <gtest/gtest.h>

#include <map>

#include "runtime-shim/server/ids.h"
#include "runtime-shim/server/image_user.h"
#include "runtime-shim/server/pod_files.h"
#include "runtime-shim/server/spec_builder.h"
#include "tests/support/temp_dir.h"

namespace orch::shim {
namespace {

namespace v1 = runtime::v1;

class SpecBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tmp_.write("layer0/etc/passwd",
               "root:x:0:0:root:/root:/bin/sh\nweb:x:1000:1001::/home/web:/bin/sh\n");
    tmp_.write("layer0/etc/group", "root:x:0:\nweb:x:1001:\nextra:x:2000:web\n");
    image_.id = "sha256:abc";
    image_.layer_dirs = {tmp_.path() + "/layer0"};
    image_.config = {{"Entrypoint", {"/entry"}},
                     {"Cmd", {"default-arg"}},
                     {"Env", {"PATH=/image/bin", "FROM_IMAGE=1", "OVERRIDE=image"}},
                     {"WorkingDir", "/work"}};
    sandbox_.id = "sandbox1";
    sandbox_.cgroup_parent = "/orch/pod-1";
    sandbox_.netns_path = "/run/netns/cni-1";
    sandbox_.config.set_hostname("pod-host");
    ctx_ = SandboxContext{.record = &sandbox_, .dir = "/state/sandboxes/sandbox1", .pause_pid = 42};
  }

  Result<LaunchSpec> build(const v1::ContainerConfig& c) {
    return buildContainerSpec(c, image_, ctx_, "/state/containers/c1", "/logs/c/0.log", 0);
  }

  static std::map<std::string, std::string> envMap(const LaunchSpec& s) {
    std::map<std::string, std::string> out;
    for (const auto& kv : s.env) out[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    return out;
  }

  testing::TempDir tmp_;
  ImageRecord image_;
  SandboxRecord sandbox_;
  SandboxContext ctx_;
};

TEST_F(SpecBuilderTest, CommandAndArgsMergeWithTheImageAsContainerdDoes) {
  v1::ContainerConfig c;
  EXPECT_EQ(build(c)->args, (std::vector<std::string>{"/entry", "default-arg"}));
  c.add_args("mine");
  EXPECT_EQ(build(c)->args, (std::vector<std::string>{"/entry", "mine"}));
  c.add_command("/bin/sh");
  EXPECT_EQ(build(c)->args, (std::vector<std::string>{"/bin/sh", "mine"}));
  c.clear_args();
  EXPECT_EQ(build(c)->args, (std::vector<std::string>{"/bin/sh"}));
  image_.config = nlohmann::json::object();
  auto none = build(v1::ContainerConfig());
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().context().find("command"), std::string::npos);
}

TEST_F(SpecBuilderTest, EnvWorkingDirAndMounts) {
  v1::ContainerConfig c;
  auto* kv = c.add_envs();
  kv->set_key("OVERRIDE");
  kv->set_value("cri");
  auto* m = c.add_mounts();
  m->set_container_path("/data");
  m->set_host_path("/srv/data");
  m->set_readonly(true);
  m->set_propagation(v1::PROPAGATION_HOST_TO_CONTAINER);
  auto* hosts = c.add_mounts();
  hosts->set_container_path("/etc/hosts");
  hosts->set_host_path("/kubelet/etc-hosts");
  auto spec = build(c);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto env = envMap(*spec);
  EXPECT_EQ(env["PATH"], "/image/bin");
  EXPECT_EQ(env["FROM_IMAGE"], "1");
  EXPECT_EQ(env["OVERRIDE"], "cri");
  EXPECT_EQ(env["HOSTNAME"], "pod-host");
  EXPECT_EQ(spec->cwd, "/work");
  EXPECT_EQ(spec->log_path, "/logs/c/0.log");
  EXPECT_EQ(spec->cgroup_path, "/orch/pod-1/c1");
  EXPECT_EQ(spec->lower_dirs, image_.layer_dirs);
  EXPECT_EQ(spec->upper_dir, "/state/containers/c1/fs/upper");

  std::map<std::string, MountSpec> by_dest;
  for (const auto& ms : spec->mounts) by_dest[ms.destination] = ms;
  EXPECT_EQ(by_dest["/data"].source, "/srv/data");
  EXPECT_EQ(by_dest["/data"].propagation, "rslave");
  EXPECT_NE(std::find(by_dest["/data"].options.begin(), by_dest["/data"].options.end(), "ro"),
            by_dest["/data"].options.end());
  // The kubelet's /etc/hosts wins over the pod's; resolv.conf and hostname come from the pod.
  EXPECT_EQ(by_dest["/etc/hosts"].source, "/kubelet/etc-hosts");
  EXPECT_EQ(by_dest["/etc/resolv.conf"].source, "/state/sandboxes/sandbox1/resolv.conf");
  EXPECT_EQ(by_dest["/etc/hostname"].source, "/state/sandboxes/sandbox1/hostname");
  EXPECT_EQ(spec->mounts.size(), 4u);  // no /dev/shm: the sandbox has none mounted

  m->set_host_path("relative");
  auto bad = build(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().context().find("mounts.host_path"), std::string::npos);
}

TEST_F(SpecBuilderTest, NamespacesFollowThePod) {
  v1::ContainerConfig c;
  auto spec = build(c);
  ASSERT_TRUE(spec.ok());
  std::map<std::string, std::string> ns;
  for (const auto& n : spec->namespaces) ns[n.type] = n.path;
  EXPECT_EQ(ns["net"], "/run/netns/cni-1");
  EXPECT_EQ(ns["ipc"], "/proc/42/ns/ipc");
  EXPECT_EQ(ns["uts"], "/proc/42/ns/uts");
  EXPECT_EQ(ns["pid"], "/proc/42/ns/pid");  // POD, the proto's zero value: the pause's
  EXPECT_EQ(ns.at("mnt"), "");

  c.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(
      v1::CONTAINER);
  spec = build(c);
  ns.clear();
  for (const auto& n : spec->namespaces) ns[n.type] = n.path;
  EXPECT_EQ(ns.at("pid"), "");  // its own pid namespace

  c.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(v1::NODE);
  spec = build(c);
  for (const auto& n : spec->namespaces) EXPECT_NE(n.type, "pid");

  c.mutable_linux()->mutable_security_context()->mutable_namespace_options()->set_pid(v1::TARGET);
  EXPECT_FALSE(build(c).ok());  // no running target
}

TEST_F(SpecBuilderTest, SecurityContext) {
  v1::ContainerConfig c;
  auto* sc = c.mutable_linux()->mutable_security_context();
  sc->mutable_capabilities()->add_drop_capabilities("net_raw");
  sc->mutable_capabilities()->add_add_capabilities("SYS_ADMIN");
  sc->mutable_seccomp()->set_profile_type(v1::SecurityProfile::Localhost);
  sc->mutable_seccomp()->set_localhost_ref("/profiles/p.json");
  sc->set_run_as_username("web");
  sc->add_supplemental_groups(3000);
  auto spec = build(c);
  ASSERT_TRUE(spec.ok()) << spec.status().message();
  auto has = [&](const std::string& cap) {
    return std::find(spec->capabilities.begin(), spec->capabilities.end(), cap) !=
           spec->capabilities.end();
  };
  EXPECT_FALSE(has("CAP_NET_RAW"));
  EXPECT_TRUE(has("CAP_SYS_ADMIN"));
  EXPECT_TRUE(has("CAP_CHOWN"));
  EXPECT_EQ(spec->seccomp.kind, SeccompSpec::Kind::kLocalhost);
  EXPECT_EQ(spec->seccomp.localhost_path, "/profiles/p.json");
  EXPECT_EQ(spec->uid, 1000u);
  EXPECT_EQ(spec->gid, 1001u);
  EXPECT_EQ(spec->additional_gids, (std::vector<uint32_t>{2000, 3000}));
  EXPECT_FALSE(spec->masked_paths.empty());  // defaults when the kubelet sends none

  sc->set_privileged(true);
  EXPECT_FALSE(build(c).ok());  // the sandbox is not privileged
  sc->set_privileged(false);
  sc->set_run_as_username("nobody-here");
  auto bad = build(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().context().find("nobody-here"), std::string::npos);
}

TEST_F(SpecBuilderTest, SandboxSpec) {
  sandbox_.id = "sb";
  (*sandbox_.config.mutable_linux()->mutable_sysctls())["net.ipv4.ip_forward"] = "1";
  LaunchSpec spec = buildSandboxSpec(sandbox_, "/usr/bin/orch-pause");
  EXPECT_EQ(spec.args, (std::vector<std::string>{"/usr/bin/orch-pause"}));
  EXPECT_TRUE(spec.lower_dirs.empty());
  EXPECT_EQ(spec.hostname, "pod-host");
  EXPECT_EQ(spec.cgroup_path, "/orch/pod-1/sb");
  EXPECT_EQ(spec.sysctls.at("net.ipv4.ip_forward"), "1");
  std::map<std::string, std::string> ns;
  for (const auto& n : spec.namespaces) ns[n.type] = n.path;
  EXPECT_EQ(ns, (std::map<std::string, std::string>{
                    {"net", "/run/netns/cni-1"}, {"ipc", ""}, {"uts", ""}, {"pid", ""}}));

  sandbox_.config.mutable_linux()
      ->mutable_security_context()
      ->mutable_namespace_options()
      ->set_network(v1::NODE);
  sandbox_.netns_path.clear();
  spec = buildSandboxSpec(sandbox_, "/p");
  for (const auto& n : spec.namespaces) {
    EXPECT_NE(n.type, "net");
    EXPECT_NE(n.type, "uts");
  }
  EXPECT_EQ(sandboxCgroupParent(sandbox_.config, "/orch", "0123456789abcdef"),
            "/orch/pod-0123456789ab");
  sandbox_.config.mutable_linux()->set_cgroup_parent("kubepods/pod-x");
  EXPECT_EQ(sandboxCgroupParent(sandbox_.config, "/orch", "0123"), "/kubepods/pod-x");
}

TEST(ImageUserTest, ImageUserForms) {
  testing::TempDir tmp;
  tmp.write("l0/etc/passwd", "app:x:10:20::/:/bin/sh\n");
  tmp.write("l1/etc/group", "grp:x:30:\n");
  std::vector<std::string> layers = {tmp.path() + "/l0", tmp.path() + "/l1"};
  auto u = resolveUser({.image_user = "app"}, layers);
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->uid, 10u);
  EXPECT_EQ(u->gid, 20u);
  u = resolveUser({.image_user = "app:grp"}, layers);
  EXPECT_EQ(u->gid, 30u);
  u = resolveUser({.image_user = "55:66"}, layers);
  EXPECT_EQ(u->uid, 55u);
  EXPECT_EQ(u->gid, 66u);
  u = resolveUser({.image_user = "app", .run_as_user = 7, .run_as_group = 8}, layers);
  EXPECT_EQ(u->uid, 7u);
  EXPECT_EQ(u->gid, 8u);
  EXPECT_FALSE(resolveUser({.image_user = "app:nogroup"}, layers).ok());
  // The top layer's file shadows the lower one's.
  tmp.write("l1/etc/passwd", "app:x:11:21::/:/bin/sh\n");
  EXPECT_EQ(resolveUser({.image_user = "app"}, layers)->uid, 11u);
}

TEST(IdsTest, PrefixResolution) {
  std::string id = newObjectId();
  EXPECT_EQ(id.size(), 64u);
  EXPECT_NE(id, newObjectId());
  std::map<std::string, int> objects = {{"abc1", 1}, {"abc2", 2}, {"def", 3}};
  EXPECT_EQ(*resolveId(objects, "d", "x"), "def");
  EXPECT_EQ(*resolveId(objects, "abc1", "x"), "abc1");
  EXPECT_EQ(resolveId(objects, "abc", "x").status().code(), EINVAL);
  EXPECT_EQ(resolveId(objects, "zzz", "x").status().code(), ENOENT);
  EXPECT_EQ(resolveId(objects, "", "x").status().code(), EINVAL);
}

TEST(PodFilesTest, ResolvConf) {
  EXPECT_EQ(
      resolvConfText({.servers = {"10.0.0.10", "1.1.1.1"},
                      .searches = {"ns.svc.cluster.local", "svc.cluster.local"},
                      .options = {"ndots:5"}}),
      "search ns.svc.cluster.local svc.cluster.local\nnameserver 10.0.0.10\nnameserver 1.1.1.1\n"
      "options ndots:5\n");
}

}  // namespace
}  // namespace orch::shim
