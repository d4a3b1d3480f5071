#pragma once
// seccomp filters built with libseccomp from profiles in the OCI / Docker JSON form:
//   {"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
//    "architectures": ["SCMP_ARCH_X86_64", ...]   (or Docker's "archMap"),
//    "syscalls": [{"names": [...], "action": "SCMP_ACT_ALLOW", "errnoRet": 38,
//                  "args": [{"index": 0, "value": 1, "valueTwo": 0, "op": "SCMP_CMP_EQ"}],
//                  "includes": {"caps": [...], "arches": [...], "minKernel": "4.8"},
//                  "excludes": {"caps": [...], "arches": [...]}}]}
// Actions: SCMP_ACT_ALLOW, ERRNO, KILL (= KILL_THREAD), KILL_THREAD, KILL_PROCESS, TRAP,
// LOG, TRACE. Ops: SCMP_CMP_NE, LT, LE, EQ, GE, GT, MASKED_EQ (value = mask, valueTwo =
// datum). Args of one entry with distinct indexes are ANDed in one rule; when an index
// repeats, each arg becomes its own rule (ORed), as runc does. Syscall names this
// libseccomp does not know are skipped; rules with the default action are no-ops.
// `includes`/`excludes` (Docker's extension) are judged against the native architecture
// (Go names: "amd64", "arm64", ...), the running kernel and the capabilities given.
//
// Building is pure (no syscalls beyond uname); load() installs the filter on the calling
// thread. SeccompFilter is move-only and owns the libseccomp context.

#include <seccomp.h>

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

class SeccompFilter {
 public:
  explicit SeccompFilter(scmp_filter_ctx ctx) : ctx_(ctx) {}
  SeccompFilter(SeccompFilter&& o) noexcept : ctx_(o.ctx_) { o.ctx_ = nullptr; }
  SeccompFilter& operator=(SeccompFilter&& o) noexcept;
  SeccompFilter(const SeccompFilter&) = delete;
  SeccompFilter& operator=(const SeccompFilter&) = delete;
  ~SeccompFilter();

  scmp_filter_ctx ctx() const { return ctx_; }
  // Installs the filter for the calling process (does not set no_new_privs itself; without
  // it the caller needs CAP_SYS_ADMIN).
  Status load() const;
  // The filter in libseccomp's pseudo-filter-code text (seccomp_export_pfc), for tests.
  Result<std::string> exportPfc() const;

 private:
  scmp_filter_ctx ctx_ = nullptr;
};

// Builds a filter from a profile (see above). `capabilities`: the process's capability
// names ("CAP_SYS_ADMIN"), for includes/excludes. Errors name the field
// ("syscalls[3].action: unknown action \"SCMP_ACT_FOO\"").
Result<SeccompFilter> buildSeccompFilter(const nlohmann::json& profile,
                                         const std::vector<std::string>& capabilities);

// The RuntimeDefault profile: moby's / containerd's default seccomp profile.
const nlohmann::json& runtimeDefaultSeccompProfile();

// The filter for a spec: nullopt for Unconfined; RuntimeDefault's profile; Localhost reads
// and parses localhost_path ("seccomp profile /x.json: ..." on errors).
Result<std::optional<SeccompFilter>> seccompFilterFor(const SeccompSpec& spec,
                                                      const std::vector<std::string>& capabilities);

}  // namespace orch::shim
