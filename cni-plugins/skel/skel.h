#pragma once
// The CNI plugin side of the protocol, once for every orch plugin: CNI_* environment,
// config on stdin, the result (or the spec's error object, with a non-zero exit) on stdout,
// version checks and command dispatch for ADD, DEL, CHECK, GC, STATUS and VERSION.
//
// dispatch() is pure (environment and stdin are passed in) so it is unit-testable;
// pluginMain() binds it to the real process. Handlers run on the calling thread.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/base/status.h"
#include "common/cni/error.h"
#include "common/cni/result.h"

namespace orch::cni::skel {

struct CmdArgs {
  std::string command;
  std::string container_id;
  std::string netns;
  std::string ifname;
  std::string args_raw;                                   // CNI_ARGS as given
  std::vector<std::pair<std::string, std::string>> args;  // CNI_ARGS parsed
  std::vector<std::string> path;                          // CNI_PATH split on ':'
  std::string stdin_data;
  nlohmann::json config;    // stdin parsed (an object; null for VERSION without input)
  std::string cni_version;  // config's cniVersion, checked against Plugin::versions
};

// A handler fills `out` with what to print on success (left null: print nothing) or returns
// the error to report.
using Handler = std::function<std::optional<Error>(const CmdArgs&, nlohmann::json& out)>;

struct Plugin {
  std::string about;
  std::vector<std::string> versions;  // supported spec versions
  Handler add, del, check, gc, status;
};

struct Reply {
  int exit_code = 0;
  std::string out;  // what goes to stdout
};

using EnvLookup = std::function<std::optional<std::string>(const char* name)>;

// Runs one plugin invocation. Errors: code 4 for missing/invalid CNI_* variables or an
// unknown CNI_COMMAND, 6 for undecodable stdin, 1 for an unsupported cniVersion or a
// command the config's version does not allow; handler errors as returned.
Reply dispatch(const Plugin& plugin, const EnvLookup& env, std::string stdin_data);

// dispatch() on the real environment, stdin and stdout; returns the exit code for main().
int pluginMain(const Plugin& plugin);

// "K1=V1;K2=V2" → pairs; EINVAL naming CNI_ARGS for a pair without '='.
Result<std::vector<std::pair<std::string, std::string>>> parseCniArgs(std::string_view s);

// The config's prevResult, nullopt when absent; an error (code 6, naming prevResult) when it
// does not parse. A prevResult without its own cniVersion is read as the config's version.
std::optional<Error> parsePrevResult(const CmdArgs& args, std::optional<CniResult>* out);

// Converts a Status from plugin code into an error object with `code`.
inline Error errorFrom(int code, const Status& s) {
  return Error{code, s.message(), ""};
}

}  // namespace orch::cni::skel
