#pragma once
// The kubelet's `$(VAR)` expansion (k8s.io/kubernetes third_party/forked/golang/expansion), used
// for env values, command, args and subPathExpr:
//   - `$(NAME)` is replaced by lookup(NAME); an unknown NAME leaves `$(NAME)` as it was;
//   - `$$` is an escaped `$` (so `$$(NAME)` yields `$(NAME)`);
//   - an unterminated `$(` and a `$` before anything else are kept verbatim;
//   - the name runs to the first `)`, so nested references are not expanded.
// Pure functions; thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace orch::agent {

// Returns the value of a variable, or nullopt when it is not defined.
using VarLookup = std::function<std::optional<std::string>(std::string_view name)>;

std::string expandVars(std::string_view text, const VarLookup& lookup);

// A lookup over maps tried in order (the first map holding the name wins).
VarLookup lookupInMaps(std::vector<const std::map<std::string, std::string>*> maps);

}  // namespace orch::agent
