#pragma once
// How the agent's env and volume code reads ConfigMaps and Secrets: a getter that returns the
// object, nullopt when it does not exist (so `optional` references can be honoured), or an
// error when it could not be read (apiserver unreachable, ...). Getters are called from pod
// workers, possibly from several threads at once.

#include <functional>
#include <optional>
#include <string>

#include "common/api/config.h"
#include "common/base/status.h"

namespace orch::agent {

using ConfigMapGetter = std::function<Result<std::optional<api::ConfigMap>>(
    const std::string& namespace_, const std::string& name)>;
using SecretGetter = std::function<Result<std::optional<api::Secret>>(const std::string& namespace_,
                                                                      const std::string& name)>;

}  // namespace orch::agent
