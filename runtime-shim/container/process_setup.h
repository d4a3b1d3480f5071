#pragma once
// Process attributes applied in the launched child between clone and exec: rlimits,
// oom_score_adj, hostname, sysctls, user and groups, and the executable's lookup on PATH.
// Each function changes only the calling process; errors name the step
// ("setrlimit RLIMIT_NOFILE: EPERM").

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/base/status.h"
#include "runtime-shim/container/launch_spec.h"

namespace orch::shim {

// "RLIMIT_NOFILE" → RLIMIT_NOFILE; EINVAL for unknown names.
Result<int> rlimitResource(const std::string& name);
Status applyRlimits(const std::vector<RlimitSpec>& rlimits);

// Writes /proc/self/oom_score_adj, raised to the current value when `adj` is lower (lowering
// needs CAP_SYS_RESOURCE, which root lacks here — as containerd's restrict_oom_score_adj).
Status applyOomScoreAdj(std::optional<int> adj);

Status setHostname(const std::string& hostname);
// Writes each "a.b.c" = value to /proc/sys/a/b/c.
Status writeSysctls(const std::map<std::string, std::string>& sysctls);

// setgroups(additional_gids), setgid(gid), setuid(uid), in that order.
Status switchUser(uint32_t uid, uint32_t gid, const std::vector<uint32_t>& additional_gids);

// PATH from env (KEY=VALUE list), or the default Linux PATH when absent.
std::string pathFromEnv(const std::vector<std::string>& env);
// Finds `file` as execve would run it: a name with '/' is taken as is; otherwise the first
// executable regular file in PATH. ENOENT: `exec "<file>"`; EACCES when only non-executable
// candidates were found.
Result<std::string> lookPath(const std::string& file, const std::string& path);

}  // namespace orch::shim
