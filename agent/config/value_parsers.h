#pragma once
// Parsers for the kubelet's flag and config value syntaxes. Each returns EINVAL whose context
// says what is wrong with the text; callers prefix the flag or YAML field name.

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/api/scheduling.h"
#include "common/base/go_duration.h"
#include "common/base/status.h"

namespace orch::agent {

// "k=v,k2=v2" (cliflag.MapStringString: pairs split at the first '=', keys and values
// trimmed, empty items skipped) with label syntax checks, plus the kubelet's restriction: keys
// in the kubernetes.io / k8s.io namespaces must be one of the kubelet's own labels or under
// kubelet.kubernetes.io / node.kubernetes.io.
Result<std::map<std::string, std::string>> parseNodeLabels(std::string_view text);
// Validates a label map as parseNodeLabels does (for labels that came in another form).
Status validateNodeLabels(const std::map<std::string, std::string>& labels);

// "key=value:Effect,key2:Effect" (the kubelet's taint syntax). Effect is NoSchedule,
// PreferNoSchedule or NoExecute; the key a qualified name, the value a label value.
// A key+effect pair may appear once.
Result<std::vector<api::Taint>> parseTaints(std::string_view text);
// Validates one taint (key, value, effect) as parseTaints does.
Status validateTaint(const api::Taint& t);

// "10.0.0.5" or "10.0.0.5,fd00::5" (at most one address per family); "0.0.0.0" / "::" alone
// mean "detect, preferring this family". Returns the addresses in canonical text.
Result<std::vector<std::string>> parseNodeIPs(std::string_view text);

// A comma-separated list of IP addresses ("10.96.0.10,fd00::a"); empty items are skipped.
Result<std::vector<std::string>> parseIpList(std::string_view text);
// One IP address, in canonical text.
Result<std::string> parseIp(std::string_view text);

// A node name as the kubelet derives it: lower case, trimmed; must be a DNS-1123 subdomain.
Result<std::string> canonicalNodeName(std::string_view text);

// "unix:///path" or an absolute path (taken as unix://<path>); other schemes are EINVAL.
Result<std::string> parseRuntimeEndpoint(std::string_view text);

}  // namespace orch::agent
