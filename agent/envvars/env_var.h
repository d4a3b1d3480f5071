#pragma once
// One entry of a container's environment, as handed to the CRI (KeyValue).

#include <string>

namespace orch::agent {

struct EnvVarValue {
  std::string name, value;
  bool operator==(const EnvVarValue&) const = default;
};

}  // namespace orch::agent
