#include "cni-plugins/host-local/host_local.h"

#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cni-plugins/host-local/allocator.h"
#include "cni-plugins/host-local/ipam_config.h"
#include "cni-plugins/host-local/store.h"
#include "common/cni/version.h"

namespace orch::cni::hostlocal {
namespace {

using nlohmann::json;

Error configError(const Status& s) {
  return Error{kErrInvalidNetworkConfig, s.context(), ""};
}

Error storeError(const Status& s) {
  int code = kErrIoFailure;
  if (s.code() == EAGAIN) code = kErrTryAgainLater;
  if (s.code() == EINVAL || s.code() == EEXIST) code = kErrInvalidNetworkConfig;
  return Error{code, code == kErrIoFailure ? s.message() : s.context(), ""};
}

// Opens and locks the store of an already loaded config.
std::optional<Error> lockStore(const IpamConfig& conf, std::optional<DiskStore>* store) {
  auto s = DiskStore::open(conf.data_dir, conf.name);
  if (!s.ok()) return storeError(s.status());
  store->emplace(std::move(s).value());
  Status l = (*store)->lock();
  if (!l.isOk()) return storeError(l);
  return std::nullopt;
}

// Loads the config and opens + locks the store: the common start of every command.
std::optional<Error> openLocked(const skel::CmdArgs& args, IpamConfig* conf,
                                std::optional<DiskStore>* store) {
  auto c = loadIpamConfig(args.config, args.args);
  if (!c.ok()) return configError(c.status());
  *conf = std::move(c).value();
  return lockStore(*conf, store);
}

}  // namespace

std::optional<Error> cmdAdd(const skel::CmdArgs& args, json& out) {
  IpamConfig conf;
  std::optional<DiskStore> store;
  CniResult result;
  result.cni_version = std::string(kSpecVersion);
  auto c = loadIpamConfig(args.config, args.args);
  if (!c.ok()) return configError(c.status());
  conf = std::move(c).value();
  // resolv.conf is read before touching state so a bad path changes nothing.
  if (!conf.resolv_conf.empty()) {
    std::ifstream in(conf.resolv_conf);
    if (!in) {
      return Error{kErrIoFailure,
                   "ipam.resolvConf: open " + conf.resolv_conf + ": " + errnoName(errno), ""};
    }
    std::stringstream ss;
    ss << in.rdbuf();
    result.dns = parseResolvConf(ss.str());
  }
  if (auto e = lockStore(conf, &store)) return e;

  std::vector<IpAddr> requested = conf.requested_ips;
  std::vector<IpAddr> taken;
  auto rollback = [&] {
    for (const auto& ip : taken) (void)store->release(ip);
  };
  for (size_t i = 0; i < conf.range_sets.size(); ++i) {
    const RangeSet& set = conf.range_sets[i];
    std::optional<IpAddr> want;
    for (auto it = requested.begin(); it != requested.end(); ++it) {
      if (set.contains(*it)) {
        want = *it;
        requested.erase(it);
        break;
      }
    }
    auto ip = allocate(*store, set, static_cast<int>(i), args.container_id, args.ifname, want);
    if (!ip.ok()) {
      rollback();
      return storeError(
          ip.status().withContext("failed to allocate for range " + std::to_string(i)));
    }
    taken.push_back(ip->address.ip);
    result.ips.push_back(*ip);
  }
  if (!requested.empty()) {
    rollback();
    std::string msg = "failed to allocate all requested IPs:";
    for (const auto& ip : requested) msg += " " + ip.toString();
    return Error{kErrInvalidNetworkConfig, msg, ""};
  }
  result.routes = conf.routes;
  auto j = result.toJson(args.cni_version);
  if (!j.ok()) {
    rollback();
    return Error{kErrIncompatibleVersion, j.status().message(), ""};
  }
  out = std::move(j).value();
  return std::nullopt;
}

std::optional<Error> cmdDel(const skel::CmdArgs& args, json&) {
  IpamConfig conf;
  std::optional<DiskStore> store;
  if (auto e = openLocked(args, &conf, &store)) return e;
  Status s = store->releaseById(args.container_id, args.ifname);
  if (!s.isOk()) return storeError(s);
  return std::nullopt;
}

std::optional<Error> cmdCheck(const skel::CmdArgs& args, json&) {
  IpamConfig conf;
  std::optional<DiskStore> store;
  if (auto e = openLocked(args, &conf, &store)) return e;
  auto held = store->getById(args.container_id, args.ifname);
  if (!held.ok()) return storeError(held.status());
  if (held->empty()) {
    return Error{kErrInternal,
                 "host-local: Failed to find address added by container " + args.container_id, ""};
  }
  return std::nullopt;
}

std::optional<Error> cmdGc(const skel::CmdArgs& args, json&) {
  std::set<std::pair<std::string, std::string>> valid;
  if (auto it = args.config.find("cni.dev/valid-attachments");
      it != args.config.end() && !it->is_null()) {
    if (!it->is_array()) {
      return Error{kErrInvalidNetworkConfig, "cni.dev/valid-attachments must be an array", ""};
    }
    for (size_t i = 0; i < it->size(); ++i) {
      const json& a = (*it)[i];
      std::string where = "cni.dev/valid-attachments[" + std::to_string(i) + "]";
      if (!a.is_object() || !a.contains("containerID") || !a["containerID"].is_string() ||
          !a.contains("ifname") || !a["ifname"].is_string()) {
        return Error{kErrInvalidNetworkConfig,
                     where + " must be {\"containerID\": string, \"ifname\": string}", ""};
      }
      valid.emplace(a["containerID"].get<std::string>(), a["ifname"].get<std::string>());
    }
  }
  IpamConfig conf;
  std::optional<DiskStore> store;
  if (auto e = openLocked(args, &conf, &store)) return e;
  auto all = store->list();
  if (!all.ok()) return storeError(all.status());
  for (const auto& a : *all) {
    if (valid.count({a.container_id, a.ifname})) continue;
    Status s = store->release(a.ip);
    if (!s.isOk()) return storeError(s);
  }
  return std::nullopt;
}

std::optional<Error> cmdStatus(const skel::CmdArgs& args, json&) {
  IpamConfig conf;
  std::optional<DiskStore> store;
  return openLocked(args, &conf, &store);
}

skel::Plugin plugin() {
  return skel::Plugin{"orch host-local IPAM plugin",
                      supportedVersions(),
                      cmdAdd,
                      cmdDel,
                      cmdCheck,
                      cmdGc,
                      cmdStatus};
}

}  // namespace orch::cni::hostlocal
