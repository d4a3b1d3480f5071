// Wire compatibility of common/cri/api.proto with upstream CRI v1: bytes from our generated
// code must equal protobuf encodings computed by hand from upstream's field numbers, and bytes
// encoded by hand must decode into the right fields.

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <csignal>
#include <string>
#include <vector>

#include "common/cri/api.grpc.pb.h"
#include "common/cri/api.pb.h"

namespace orch::cri {
namespace {

namespace v1 = runtime::v1;
using google::protobuf::DescriptorPool;

std::string bytes(std::initializer_list<unsigned> b) {
  std::string s;
  for (unsigned c : b) s.push_back(static_cast<char>(c));
  return s;
}

std::string serialize(const google::protobuf::Message& m) {
  std::string out;
  EXPECT_TRUE(m.SerializeToString(&out));
  return out;
}

TEST(CriWire, PodSandboxConfigMetadataIsField1) {
  v1::PodSandboxConfig c;
  c.mutable_metadata()->set_name("p");
  // field 1, LEN 3 { field 1 (name), LEN 1, 'p' }
  EXPECT_EQ(serialize(c), bytes({0x0a, 0x03, 0x0a, 0x01, 'p'}));
}

TEST(CriWire, PodSandboxConfigLogDirectoryAndLinux) {
  v1::PodSandboxConfig c;
  c.set_log_directory("d");                               // field 3
  c.mutable_linux()->set_cgroup_parent("g");              // field 8 { field 1 }
  c.mutable_metadata()->set_attempt(2);                   // field 1 { field 4 varint }
  EXPECT_EQ(serialize(c), bytes({0x0a, 0x02, 0x20, 0x02,  // metadata
                                 0x1a, 0x01, 'd',         // log_directory
                                 0x42, 0x03, 0x0a, 0x01, 'g'}));
}

TEST(CriWire, ContainerConfigImageIsField2AndStopSignal18) {
  v1::ContainerConfig c;
  c.mutable_image()->set_image("i");
  c.set_stop_signal(v1::Signal(23));                           // SIGTERM in upstream's enum
  EXPECT_EQ(serialize(c), bytes({0x12, 0x03, 0x0a, 0x01, 'i',  // image = 2
                                 0x90, 0x01, 0x17}));          // stop_signal = 18 (tag 144)
  v1::Signal term = v1::RUNTIME_DEFAULT;
  ASSERT_TRUE(v1::Signal_Parse("SIGTERM", &term));
  EXPECT_EQ(term, 23);
  EXPECT_EQ(v1::Signal_Name(v1::Signal(13)), "SIGKILL");
  EXPECT_EQ(v1::Signal_Name(v1::Signal(65)), "SIGRTMAX");
  EXPECT_EQ(SIGTERM, 15);  // the <csignal> macro is still intact after the wrapper header
}

TEST(CriWire, ContainerConfigCommandArgsEnvsLogPath) {
  v1::ContainerConfig c;
  c.add_command("c");        // 3
  c.add_args("a");           // 4
  auto* env = c.add_envs();  // 6 { key 1, value 2 }
  env->set_key("K");
  env->set_value("V");
  c.set_log_path("l");  // 11
  c.set_tty(true);      // 14
  EXPECT_EQ(serialize(c), bytes({0x1a, 0x01, 'c', 0x22, 0x01, 'a', 0x32, 0x06, 0x0a, 0x01, 'K',
                                 0x12, 0x01, 'V', 0x5a, 0x01, 'l', 0x70, 0x01}));
}

TEST(CriWire, LinuxContainerSecurityContextSeccompIs15ApparmorIs16) {
  v1::LinuxContainerSecurityContext sc;
  sc.mutable_seccomp()->set_profile_type(v1::SecurityProfile::Localhost);
  sc.mutable_seccomp()->set_localhost_ref("x");
  sc.mutable_apparmor()->set_profile_type(v1::SecurityProfile::Unconfined);
  EXPECT_EQ(serialize(sc), bytes({0x7a, 0x05, 0x08, 0x02, 0x12, 0x01, 'x',  // seccomp (tag 122)
                                  0x82, 0x01, 0x02, 0x08, 0x01}));          // apparmor (tag 130)
}

TEST(CriWire, LinuxContainerSecurityContextOutOfOrderNumbers) {
  v1::LinuxContainerSecurityContext sc;
  sc.set_privileged(true);                                                  // 2
  sc.mutable_run_as_user()->set_value(1000);                                // 5
  sc.mutable_run_as_group()->set_value(3);                                  // 12
  sc.set_no_new_privs(true);                                                // 11
  sc.set_supplemental_groups_policy(v1::SupplementalGroupsPolicy::Strict);  // 17
  // Serialized in field-number order: 2, 5, 11, 12, 17. 1000 = varint e8 07.
  EXPECT_EQ(serialize(sc), bytes({0x10, 0x01, 0x2a, 0x03, 0x08, 0xe8, 0x07, 0x58, 0x01, 0x62, 0x02,
                                  0x08, 0x03, 0x88, 0x01, 0x01}));
}

TEST(CriWire, ContainerStatusExitCodeIs7) {
  v1::ContainerStatus s;
  s.set_state(v1::CONTAINER_EXITED);  // 3 = 2
  s.set_exit_code(137);               // 7, varint 89 01
  s.set_image_id("s");                // 17 (tag 138)
  EXPECT_EQ(serialize(s), bytes({0x18, 0x02, 0x38, 0x89, 0x01, 0x8a, 0x01, 0x01, 's'}));
}

TEST(CriWire, ContainerStatusNegativeExitCodeIsTenByteVarint) {
  v1::ContainerStatus s;
  s.set_exit_code(-1);  // int32, sign-extended
  EXPECT_EQ(serialize(s),
            bytes({0x38, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}));
}

TEST(CriWire, DecodesHandEncodedContainerStatus) {
  // id=1 "c", metadata=2 {name=1 "n", attempt=2 3}, started_at=5 7, finished_at=6 9,
  // reason=10 "OOMKilled", log_path=15 "x".
  std::string wire = bytes({0x0a, 0x01, 'c', 0x12, 0x05, 0x0a, 0x01, 'n', 0x10, 0x03, 0x28, 0x07,
                            0x30, 0x09, 0x52, 0x09});
  wire += "OOMKilled";
  wire += bytes({0x7a, 0x01, 'x'});
  v1::ContainerStatus s;
  ASSERT_TRUE(s.ParseFromString(wire));
  EXPECT_EQ(s.id(), "c");
  EXPECT_EQ(s.metadata().name(), "n");
  EXPECT_EQ(s.metadata().attempt(), 3u);
  EXPECT_EQ(s.started_at(), 7);
  EXPECT_EQ(s.finished_at(), 9);
  EXPECT_EQ(s.reason(), "OOMKilled");
  EXPECT_EQ(s.log_path(), "x");
}

TEST(CriWire, PullImageRequestAuthIs2SandboxConfigIs3) {
  v1::PullImageRequest r;
  r.mutable_image()->set_image("i");
  r.mutable_auth()->set_username("u");
  r.mutable_auth()->set_registry_token("t");      // 6
  r.mutable_sandbox_config()->set_hostname("h");  // 3 { hostname 2 }
  EXPECT_EQ(serialize(r), bytes({0x0a, 0x03, 0x0a, 0x01, 'i', 0x12, 0x06, 0x0a, 0x01, 'u', 0x32,
                                 0x01, 't', 0x1a, 0x03, 0x12, 0x01, 'h'}));
}

TEST(CriWire, ImageSpecHighFieldNumbers) {
  v1::ImageSpec s;
  s.set_user_specified_image("u");  // 18 (tag 146)
  s.set_runtime_handler("r");       // 19 (tag 154)
  EXPECT_EQ(serialize(s), bytes({0x92, 0x01, 0x01, 'u', 0x9a, 0x01, 0x01, 'r'}));
}

TEST(CriWire, MountRecursiveReadOnlyAndIdMappings) {
  v1::Mount m;
  m.set_container_path("/c");
  m.set_propagation(v1::PROPAGATION_BIDIRECTIONAL);  // 5 = 2
  m.add_uidmappings()->set_host_id(1);               // 6 { 1 }
  m.set_recursive_read_only(true);                   // 8
  EXPECT_EQ(serialize(m),
            bytes({0x0a, 0x02, '/', 'c', 0x28, 0x02, 0x32, 0x02, 0x08, 0x01, 0x40, 0x01}));
}

TEST(CriWire, RunPodSandboxRequestAndSandboxSecurityContext) {
  v1::RunPodSandboxRequest r;
  auto* sc = r.mutable_config()->mutable_linux()->mutable_security_context();
  sc->mutable_namespace_options()->set_network(v1::NODE);  // 1 { network 1 = 2 }
  sc->mutable_run_as_group()->set_value(5);                // 8 { 1 = 5 }
  r.set_runtime_handler("runc");                           // 2
  // config(1){ linux(8){ security_context(2){ ... } } }
  std::string inner = bytes({0x0a, 0x02, 0x08, 0x02, 0x42, 0x02, 0x08, 0x05});
  std::string want =
      bytes({0x0a, 0x0c, 0x42, 0x0a, 0x12, 0x08}) + inner + bytes({0x12, 0x04}) + "runc";
  EXPECT_EQ(serialize(r), want);
}

TEST(CriWire, ExecSyncResponseAndContainerEvent) {
  v1::ExecSyncResponse e;
  e.set_stdout("o");
  e.set_exit_code(2);
  EXPECT_EQ(serialize(e), bytes({0x0a, 0x01, 'o', 0x18, 0x02}));

  v1::ContainerEventResponse ev;
  ev.set_container_id("c");
  ev.set_container_event_type(v1::CONTAINER_STOPPED_EVENT);  // 2 = 2
  ev.set_created_at(1);                                      // 3
  EXPECT_EQ(serialize(ev), bytes({0x0a, 0x01, 'c', 0x10, 0x02, 0x18, 0x01}));
}

struct FieldNumber {
  const char* message;
  const char* field;
  int number;
};

// A broad table of upstream's numbers (kubernetes/cri-api runtime/v1), beyond the
// byte-level checks above.
TEST(CriWire, FieldNumbersMatchUpstream) {
  const std::vector<FieldNumber> table = {
      {"PodSandboxStatusResponse", "containers_statuses", 3},
      {"PodSandboxStatusResponse", "timestamp", 4},
      {"PodSandboxStatus", "runtime_handler", 9},
      {"PodSandboxStatus", "linux", 6},
      {"PodSandboxNetworkStatus", "additional_ips", 2},
      {"Namespace", "options", 2},
      {"LinuxPodSandboxConfig", "overhead", 4},
      {"LinuxPodSandboxConfig", "resources", 5},
      {"LinuxSandboxSecurityContext", "seccomp", 9},
      {"LinuxSandboxSecurityContext", "apparmor", 10},
      {"LinuxSandboxSecurityContext", "seccomp_profile_path", 7},
      {"LinuxSandboxSecurityContext", "supplemental_groups_policy", 11},
      {"LinuxContainerSecurityContext", "apparmor_profile", 9},
      {"LinuxContainerSecurityContext", "seccomp_profile_path", 10},
      {"LinuxContainerSecurityContext", "masked_paths", 13},
      {"LinuxContainerSecurityContext", "readonly_paths", 14},
      {"LinuxContainerResources", "memory_swap_limit_in_bytes", 10},
      {"LinuxContainerResources", "unified", 9},
      {"LinuxContainerResources", "hugepage_limits", 8},
      {"ContainerConfig", "CDI_devices", 17},
      {"ContainerConfig", "windows", 16},
      {"ContainerConfig", "stdin_once", 13},
      {"ContainerStatus", "resources", 16},
      {"ContainerStatus", "user", 18},
      {"ContainerStatus", "mounts", 14},
      {"Container", "image_id", 10},
      {"Container", "image_ref", 5},
      {"Image", "pinned", 8},
      {"Image", "spec", 7},
      {"Image", "uid", 5},
      {"StatusResponse", "runtime_handlers", 3},
      {"StatusResponse", "features", 4},
      {"RuntimeHandlerFeatures", "user_namespaces", 2},
      {"ContainerStats", "swap", 5},
      {"ContainerStats", "writable_layer", 4},
      {"MemoryUsage", "major_page_faults", 7},
      {"ImageFsInfoResponse", "container_filesystems", 2},
      {"FilesystemUsage", "inodes_used", 4},
      {"NamespaceOption", "userns_options", 5},
      {"NamespaceOption", "target_id", 4},
      {"ContainerEventResponse", "containers_statuses", 5},
      {"CheckpointContainerRequest", "timeout", 3},
      {"UpdateContainerResourcesRequest", "annotations", 4},
      {"Metric", "value", 5},
      {"RuntimeConfigResponse", "linux", 1},
  };
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  for (const auto& f : table) {
    SCOPED_TRACE(std::string(f.message) + "." + f.field);
    const auto* m = pool->FindMessageTypeByName(std::string("runtime.v1.") + f.message);
    ASSERT_NE(m, nullptr);
    const auto* fd = m->FindFieldByName(f.field);
    ASSERT_NE(fd, nullptr);
    EXPECT_EQ(fd->number(), f.number);
  }
}

TEST(CriWire, EnumValuesMatchUpstream) {
  EXPECT_EQ(v1::SANDBOX_NOTREADY, 1);
  EXPECT_EQ(v1::CONTAINER_UNKNOWN, 3);
  EXPECT_EQ(v1::TARGET, 3);
  EXPECT_EQ(v1::SCTP, 2);
  EXPECT_EQ(v1::CGROUPFS, 1);
  EXPECT_EQ(v1::CONTAINER_DELETED_EVENT, 3);
  EXPECT_EQ(v1::SecurityProfile::Localhost, 2);
}

// gRPC method paths ("/runtime.v1.RuntimeService/RunPodSandbox") come from the package,
// service and RPC names; a typo there fails every call against a real peer.
TEST(CriWire, ServicesHaveUpstreamRpcs) {
  const DescriptorPool* pool = DescriptorPool::generated_pool();
  const auto* rt = pool->FindServiceByName("runtime.v1.RuntimeService");
  ASSERT_NE(rt, nullptr);
  for (const char* name : {"Version",
                           "RunPodSandbox",
                           "StopPodSandbox",
                           "RemovePodSandbox",
                           "PodSandboxStatus",
                           "ListPodSandbox",
                           "CreateContainer",
                           "StartContainer",
                           "StopContainer",
                           "RemoveContainer",
                           "ListContainers",
                           "ContainerStatus",
                           "UpdateContainerResources",
                           "ReopenContainerLog",
                           "ExecSync",
                           "Exec",
                           "Attach",
                           "PortForward",
                           "ContainerStats",
                           "ListContainerStats",
                           "PodSandboxStats",
                           "ListPodSandboxStats",
                           "UpdateRuntimeConfig",
                           "Status",
                           "CheckpointContainer",
                           "GetContainerEvents",
                           "ListMetricDescriptors",
                           "ListPodSandboxMetrics",
                           "RuntimeConfig"}) {
    const auto* m = rt->FindMethodByName(name);
    ASSERT_NE(m, nullptr) << name;
    EXPECT_EQ(m->server_streaming(), std::string(name) == "GetContainerEvents") << name;
    EXPECT_FALSE(m->client_streaming()) << name;
  }
  const auto* events = rt->FindMethodByName("GetContainerEvents");
  EXPECT_EQ(events->input_type()->full_name(), "runtime.v1.GetEventsRequest");
  EXPECT_EQ(events->output_type()->full_name(), "runtime.v1.ContainerEventResponse");

  const auto* img = pool->FindServiceByName("runtime.v1.ImageService");
  ASSERT_NE(img, nullptr);
  for (const char* name :
       {"ListImages", "ImageStatus", "PullImage", "RemoveImage", "ImageFsInfo"}) {
    EXPECT_NE(img->FindMethodByName(name), nullptr) << name;
  }
  EXPECT_EQ(std::string(v1::RuntimeService::service_full_name()), "runtime.v1.RuntimeService");
}

}  // namespace
}  // namespace orch::cri
