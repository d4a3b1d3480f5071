#include "cni-plugins/skel/skel.h"

#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "common/cni/version.h"

namespace orch::cni::skel {
namespace {

using nlohmann::json;

Reply fail(const Error& e, const std::string& version) {
  return Reply{1, e.toJson(version).dump() + "\n"};
}

std::string joinVersions(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? " \"" : "\"") + v[i] + "\"";
  return s + "]";
}

struct Need {
  bool container_id, netns, ifname, path;
};

std::optional<Need> needsFor(const std::string& cmd) {
  if (cmd == "ADD" || cmd == "CHECK") return Need{true, true, true, true};
  // DEL works without a netns: the runtime may have lost it already.
  if (cmd == "DEL") return Need{true, false, true, true};
  if (cmd == "GC" || cmd == "STATUS") return Need{false, false, false, false};
  return std::nullopt;
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> parseCniArgs(std::string_view s) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!s.empty()) {
    auto semi = s.find(';');
    std::string_view pair = s.substr(0, semi);
    s = semi == std::string_view::npos ? std::string_view() : s.substr(semi + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Status::invalid("CNI_ARGS: invalid pair \"" + std::string(pair) + "\"");
    }
    out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
  }
  return out;
}

std::optional<Error> parsePrevResult(const CmdArgs& args, std::optional<CniResult>* out) {
  out->reset();
  if (!args.config.is_object()) return std::nullopt;
  auto it = args.config.find("prevResult");
  if (it == args.config.end() || it->is_null()) return std::nullopt;
  json prev = *it;
  if (prev.is_object() && !prev.contains("cniVersion")) prev["cniVersion"] = args.cni_version;
  auto r = CniResult::fromJson(prev);
  if (!r.ok()) {
    return Error{kErrDecodingFailure, "could not parse prevResult: " + r.status().message(), ""};
  }
  *out = std::move(r).value();
  return std::nullopt;
}

Reply dispatch(const Plugin& plugin, const EnvLookup& env, std::string stdin_data) {
  auto get = [&](const char* name) { return env(name).value_or(""); };
  CmdArgs a;
  a.command = get("CNI_COMMAND");
  if (a.command.empty()) {
    return fail({kErrInvalidEnvironment, "required env variables [CNI_COMMAND] missing", ""}, "");
  }
  if (a.command == "VERSION") {
    json v = {{"cniVersion", std::string(kSpecVersion)}, {"supportedVersions", plugin.versions}};
    return Reply{0, v.dump() + "\n"};
  }
  auto need = needsFor(a.command);
  if (!need) {
    return fail({kErrInvalidEnvironment, "unknown CNI_COMMAND: " + a.command, ""}, "");
  }
  a.container_id = get("CNI_CONTAINERID");
  a.netns = get("CNI_NETNS");
  a.ifname = get("CNI_IFNAME");
  a.args_raw = get("CNI_ARGS");
  std::string path = get("CNI_PATH");
  std::string missing;
  auto require = [&](bool needed, const std::string& value, const char* name) {
    if (needed && value.empty()) missing += (missing.empty() ? "" : ",") + std::string(name);
  };
  require(need->container_id, a.container_id, "CNI_CONTAINERID");
  require(need->netns, a.netns, "CNI_NETNS");
  require(need->ifname, a.ifname, "CNI_IFNAME");
  require(need->path, path, "CNI_PATH");
  if (!missing.empty()) {
    return fail({kErrInvalidEnvironment, "required env variables [" + missing + "] missing", ""},
                "");
  }
  auto parsed_args = parseCniArgs(a.args_raw);
  if (!parsed_args.ok()) {
    return fail({kErrInvalidEnvironment, parsed_args.status().message(), ""}, "");
  }
  a.args = std::move(parsed_args).value();
  for (size_t start = 0; start <= path.size();) {
    size_t colon = path.find(':', start);
    if (colon == std::string::npos) colon = path.size();
    if (colon > start) a.path.push_back(path.substr(start, colon - start));
    start = colon + 1;
  }

  a.stdin_data = std::move(stdin_data);
  try {
    a.config = json::parse(a.stdin_data);
  } catch (const json::exception& e) {
    return fail(
        {kErrDecodingFailure, "error unmarshall network config: " + std::string(e.what()), ""}, "");
  }
  if (!a.config.is_object()) {
    return fail({kErrDecodingFailure, "error unmarshall network config: not a JSON object", ""},
                "");
  }
  auto ver = a.config.find("cniVersion");
  if (ver != a.config.end() && !ver->is_string()) {
    return fail({kErrDecodingFailure, "cniVersion must be a string", ""}, "");
  }
  // The spec's default for a config without cniVersion is 0.1.0.
  a.cni_version = ver == a.config.end() ? "0.1.0" : ver->get<std::string>();
  if (std::find(plugin.versions.begin(), plugin.versions.end(), a.cni_version) ==
      plugin.versions.end()) {
    return fail(
        {kErrIncompatibleVersion, "incompatible CNI versions: cniVersion",
         "config is \"" + a.cni_version + "\", plugin supports " + joinVersions(plugin.versions)},
        "");
  }
  const Handler* h = nullptr;
  if (a.command == "ADD") {
    h = &plugin.add;
  } else if (a.command == "DEL") {
    h = &plugin.del;
  } else if (a.command == "CHECK") {
    if (!versionAtLeast(a.cni_version, "0.4.0")) {
      return fail({kErrIncompatibleVersion, "config version does not allow CHECK", ""},
                  a.cni_version);
    }
    h = &plugin.check;
  } else {
    if (!versionAtLeast(a.cni_version, "1.1.0")) {
      return fail({kErrIncompatibleVersion, "config version does not allow " + a.command, ""},
                  a.cni_version);
    }
    h = a.command == "GC" ? &plugin.gc : &plugin.status;
  }
  if (!*h) {
    return fail({kErrInvalidEnvironment, "unknown CNI_COMMAND: " + a.command, ""}, a.cni_version);
  }
  json out;
  if (auto err = (*h)(a, out)) return fail(*err, a.cni_version);
  if (out.is_null()) return Reply{0, ""};
  return Reply{0, out.dump() + "\n"};
}

int pluginMain(const Plugin& plugin) {
  std::string input;
  // VERSION needs no input; do not block on a terminal.
  const char* cmd = std::getenv("CNI_COMMAND");
  if (!(cmd && std::string_view(cmd) == "VERSION" && isatty(STDIN_FILENO))) {
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(STDIN_FILENO, buf, sizeof(buf));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Error e{kErrIoFailure, "error reading from stdin: " + errnoName(errno), ""};
        std::cout << e.toJson("").dump() << std::endl;
        return 1;
      }
      if (n == 0) break;
      input.append(buf, static_cast<size_t>(n));
    }
  }
  Reply r = dispatch(
      plugin,
      [](const char* name) -> std::optional<std::string> {
        const char* v = std::getenv(name);
        if (!v) return std::nullopt;
        return std::string(v);
      },
      std::move(input));
  std::cout << r.out << std::flush;
  return r.exit_code;
}

}  // namespace orch::cni::skel
